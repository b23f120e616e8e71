"""Wait for the logviz API and Dagster, then run Load and Index through the API and report.

Used by scripts/up.sh; also handy on its own: `python scripts/run_pipeline.py --api URL`.
Sends `Authorization: Bearer $LOGVIZ_API_TOKEN` with every request when that variable is set:
the API then requires it on every endpoint, /health included.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import httpx


class Refused(SystemExit):
    """The API refused the request itself (token, Host, origin): waiting longer will not help."""


def check(response: httpx.Response) -> httpx.Response:
    if response.status_code in (400, 401, 403):
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        hint = " (set LOGVIZ_API_TOKEN to the API's token)" if response.status_code == 401 else ""
        raise Refused(f"the API refused {response.request.method} {response.request.url.path}: {detail}{hint}")
    return response


def wait_healthy(client: httpx.Client, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = check(client.get("/health"))
            body = response.json()
            if response.status_code == 200:
                return body
            last = "; ".join(f"{name}: {part['detail']}" for name, part in body["parts"].items() if not part["ok"])
        except (httpx.HTTPError, ValueError, KeyError, AttributeError) as err:
            last = f"{type(err).__name__}: {err}"
        time.sleep(1)
    raise SystemExit(f"logviz did not become healthy in {seconds:.0f}s: {last}")


def run_job(client: httpx.Client, job: str, timeout: float) -> dict:
    response = check(client.post(f"/{job}"))
    response.raise_for_status()
    run_id = response.json()["run_id"]
    print(f"  {job}: run {run_id} submitted", flush=True)
    deadline = time.monotonic() + timeout
    told = None
    while time.monotonic() < deadline:
        run = check(client.get(f"/jobs/{run_id}")).json()
        line = progress_line(run.get("progress"))
        if line and line != told:
            print(f"    {line}", flush=True)
            told = line
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            if run["status"] != "SUCCESS":
                error = run.get("error") or {}
                what = f": step {error.get('step')} failed: {error.get('message')}" if error else ""
                raise SystemExit(f"{job} run {run_id} ended {run['status']}{what} (the Dagster UI has its logs)")
            return run
        time.sleep(1)
    raise SystemExit(f"{job} run {run_id} did not finish within {timeout:.0f}s")


def progress_line(progress: dict | None) -> str | None:
    """What a run reported last, with its rate and the time left when they are known."""
    if not progress:
        return None
    extra = []
    if progress.get("rate_per_second"):
        extra.append(f"{progress['rate_per_second']:.0f} {progress['unit']}/s")
    if progress.get("seconds_left") is not None and progress["done"] < progress["total"]:
        extra.append(f"about {progress['seconds_left']:.0f} s left")
    return progress["message"] + (f" ({', '.join(extra)})" if extra else "")


def client_for(api: str, token: str | None, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """A client of the API that sends the token, when there is one, with every request."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=api, headers=headers, timeout=30, transport=transport)


def run(client: httpx.Client, timeout: float, healthy_within: float = 300) -> None:
    print("waiting for Dagster and the API...", flush=True)
    wait_healthy(client, healthy_within)
    load = run_job(client, "load", timeout)
    records = load["counts"].get("records", {})
    print(
        f"  load: {records.get('files_read', 0)} files read, {records.get('records_added', 0)} records added, "
        f"{records.get('rejects', 0)} rejects",
        flush=True,
    )
    index = run_job(client, "index", timeout)
    embedded = index["counts"].get("embeddings", {}).get("texts_embedded", 0)
    placed = index["counts"].get("projection", {}).get("points_placed", 0)
    print(f"  index: {embedded} texts embedded, {placed} points placed", flush=True)
    stats = check(client.get("/stats")).json()
    print(
        f"  map: {stats['points']} points from {stats['runs']} runs "
        f"({', '.join(f'{k} {v}' for k, v in stats['by_format'].items())})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    # An entry point: the one place this script reads the environment.
    with client_for(args.api, os.environ.get("LOGVIZ_API_TOKEN") or None) as client:
        run(client, args.timeout)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
