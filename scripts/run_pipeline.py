"""Wait for the logviz API and Dagster, then run Load and Index through the API and report.

Used by scripts/up.sh; also handy on its own: `python scripts/run_pipeline.py --api URL`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import httpx


def wait_healthy(client: httpx.Client, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = client.get("/health")
            body = response.json()
            if response.status_code == 200:
                return body
            last = "; ".join(f"{name}: {part['detail']}" for name, part in body["parts"].items() if not part["ok"])
        except httpx.HTTPError as err:
            last = str(err)
        time.sleep(1)
    raise SystemExit(f"logviz did not become healthy in {seconds:.0f}s: {last}")


def run_job(client: httpx.Client, job: str, timeout: float) -> dict:
    response = client.post(f"/{job}")
    response.raise_for_status()
    run_id = response.json()["run_id"]
    print(f"  {job}: run {run_id} submitted", flush=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/jobs/{run_id}").json()
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            if run["status"] != "SUCCESS":
                raise SystemExit(f"{job} run {run_id} ended {run['status']}: see the Dagster UI for its logs")
            return run
        time.sleep(1)
    raise SystemExit(f"{job} run {run_id} did not finish within {timeout:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    token = os.environ.get("LOGVIZ_API_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=args.api, headers=headers, timeout=30) as client:
        print("waiting for Dagster and the API...", flush=True)
        wait_healthy(client, 300)
        load = run_job(client, "load", args.timeout)
        records = load["counts"].get("records", {})
        print(
            f"  load: {records.get('files_read', 0)} files read, {records.get('records_added', 0)} records added, "
            f"{records.get('rejects', 0)} rejects",
            flush=True,
        )
        index = run_job(client, "index", args.timeout)
        embedded = index["counts"].get("embeddings", {}).get("texts_embedded", 0)
        placed = index["counts"].get("projection", {}).get("points_placed", 0)
        print(f"  index: {embedded} texts embedded, {placed} points placed", flush=True)
        stats = client.get("/stats").json()
        print(
            f"  map: {stats['points']} points from {stats['runs']} runs "
            f"({', '.join(f'{k} {v}' for k, v in stats['by_format'].items())})",
            flush=True,
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
