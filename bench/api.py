"""API latency: GET /points (JSON and Arrow) and GET /search, over real HTTP on loopback.

    python bench/api.py --home DIR [--rounds 5] [--queries 20]

The app (`api.main:app`) is served by uvicorn on 127.0.0.1 (a free port) in its own
process, as a visualizer's server would be; httpx sends the requests from this process over
the loopback socket, so the figures include HTTP, JSON/Arrow encoding and transfer.
`--home` is an indexed data folder (e.g. the one bench/pipeline.py left). Requests are
bounded in number and the server stops at the end. The Dagster webserver is not needed:
only the read endpoints are measured.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import print_load, print_machine, table

QUERIES = [
    "pytest failed with assertion error",
    "file not found",
    "git commit and push the changes",
    "install the dependencies",
    "fix the failing test",
    "read the configuration file",
    "permission denied",
    "start the server in the background",
    "refactor this function",
    "what does this error mean",
    "run the migrations",
    "search the codebase for usages",
    "update the README",
    "timeout while waiting",
    "database connection refused",
    "add a unit test",
    "edit the file to fix the import",
    "list the files in the directory",
    "the build is broken",
    "summarise the changes",
]

# Time left to the server's start-up warm-up after the first searches have answered.
WARM_UP_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    os.environ["LOGVIZ_HOME"] = str(args.home.resolve())

    import httpx

    print_machine("API latency")
    port = free_port()
    serve = ["uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen([sys.executable, "-m", *serve], cwd=Path(__file__).resolve().parents[1])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            stats = wait_for_stats(client, server)
            # The server loads the model and the vectors in a thread at start-up; measuring while
            # it does would charge that to the first requests.
            for mode in ("semantic", "text", "hybrid"):
                client.get("/search", params={"q": "warm up", "mode": mode}).raise_for_status()
            time.sleep(WARM_UP_SECONDS)
            print(f"store: {stats['records']:,} records, {stats['points']:,} points, {stats['vectors']:,} vectors\n")
            rows = []
            for label, params in (("JSON", {}), ("Arrow", {"format": "arrow"})):
                client.get("/points", params={**params, "limit": 10})  # warm-up
                # Cold: a limit above the row count gives every point, under a key not yet cached.
                cold, size, count = [], 0, 0
                for round_no in range(args.rounds):
                    started = time.perf_counter()
                    response = client.get("/points", params={**params, "limit": 10**9 - round_no})
                    cold.append(time.perf_counter() - started)
                    response.raise_for_status()
                    size = len(response.content)
                    if label == "JSON":
                        count = response.json()["count"]
                # Warm: the same request again while the store is unchanged; then revalidation.
                warm, revalidate = [], []
                etag = client.get("/points", params=params).headers["etag"]
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    client.get("/points", params=params).raise_for_status()
                    warm.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    unchanged = client.get("/points", params=params, headers={"If-None-Match": etag})
                    revalidate.append(time.perf_counter() - started)
                    assert unchanged.status_code == 304, unchanged.status_code
                points = count or stats["records"]
                for how, times in (("not cached", cold), ("cached", warm), ("If-None-Match, 304", revalidate)):
                    rows.append(
                        [
                            f"GET /points ({label}), {how}",
                            points,
                            size / 2**20 if how != "If-None-Match, 304" else 0,
                            statistics.median(times) * 1000,
                            max(times) * 1000,
                        ]
                    )
            table(["request", "points", "MiB", "p50 ms", "max ms"], rows, title=f"/points, {args.rounds} rounds")

            rows = []
            queries = (QUERIES * (args.queries // len(QUERIES) + 1))[: args.queries]
            for mode in ("semantic", "text", "hybrid"):
                times = []
                for query in queries:
                    started = time.perf_counter()
                    client.get("/search", params={"q": query, "mode": mode, "k": 20}).raise_for_status()
                    times.append(time.perf_counter() - started)
                rows.append(
                    [
                        f"GET /search mode={mode} k=20",
                        len(times),
                        percentile(times, 0.5) * 1000,
                        percentile(times, 0.95) * 1000,
                    ]
                )
            table(["request", "queries", "p50 ms", "p95 ms"], rows, title="search (after warm-up queries)")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_load()


def wait_for_stats(client, server: subprocess.Popen, seconds: float = 60) -> dict:
    """GET /stats once the server answers (it loads the app first)."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        try:
            return client.get("/stats").raise_for_status().json()
        except httpx.TransportError as err:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start: {err}") from err
            time.sleep(0.1)


if __name__ == "__main__":
    main()
