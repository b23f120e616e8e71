"""Start the API: `python -m api.serve [--host 127.0.0.1] [--port 8000]`.

Refuses a non-loopback address unless LOGVIZ_API_TOKEN is set.
"""

from __future__ import annotations

import argparse

import uvicorn

from api.security import check_bind
from logviz_assets.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the logviz API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    check_bind(args.host, Settings.from_environment().api_token)
    uvicorn.run("api.main:app", host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
