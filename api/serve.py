"""Start the API: `python -m api.serve [--host 127.0.0.1] [--port 8000]`.

Refuses a non-loopback address unless LOGVIZ_API_TOKEN is set. Bound to one address beyond
loopback, it also answers requests whose Host is that address (a DNS-rebinding page never sends
an address literal as its Host); any name clients use must be in LOGVIZ_ALLOWED_HOSTS.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import sys

import uvicorn

from api.main import create_app
from api.security import check_bind, is_loopback
from logviz_assets.settings import Settings


def serving_settings(host: str, settings: Settings) -> Settings:
    """`settings` with the bind address among the allowed hosts when it is one address beyond loopback."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return settings  # a name: the clients' Host may be any name for it, so it must be configured
    if address.is_loopback or address.is_unspecified:
        return settings
    return dataclasses.replace(settings, allowed_hosts=(*settings.allowed_hosts, str(address)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the logviz API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    settings = Settings.from_environment()
    check_bind(args.host, settings.api_token)
    settings = serving_settings(args.host, settings)
    if not is_loopback(args.host) and not settings.allowed_hosts:
        print(
            f"note: the API answers only requests whose Host header is a loopback address; to reach it on {args.host} "
            "from other machines, list the names or addresses they use in LOGVIZ_ALLOWED_HOSTS",
            file=sys.stderr,
        )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
