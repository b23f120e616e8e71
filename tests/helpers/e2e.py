"""Helpers for tests/api/test_e2e.py: the running stack, its setup flow (health, Load, Index), and GETs.

`Stack` holds the running services and the answers of the setup flow; `run_flow` waits for every
part to be healthy, then Loads and Indexes through the API while reading the map.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from logviz_assets.run_status import IN_FLIGHT_STATUSES, TERMINAL_STATUSES
from tests.helpers.processes import BIN, REPO_ROOT, Services, dagster_home, free_port, start_service, wait_for
from tests.helpers.samples import DOV_SESSION_ID, jsonl_files

IN_FLIGHT = set(IN_FLIGHT_STATUSES)
STARTUP_SECONDS = 300
JOB_SECONDS = 300
READS = [
    ("/points", {}),
    ("/stats", {}),
    ("/search", {"q": "mix test", "mode": "text"}),
    ("/search", {"q": "mix test", "mode": "semantic"}),
    ("/search", {"q": "mix test", "mode": "hybrid"}),
    (f"/runs/{DOV_SESSION_ID}/trajectory", {}),
]


@dataclass
class Stack:
    """The running services, where their data lies, and what the setup flow got back."""

    services: Services
    root: Path
    home: Path
    sources: Path
    dagster_url: str
    api: httpx.Client
    secured: httpx.Client
    initial_files: list[Path] = field(default_factory=list)
    health: dict[str, Any] = field(default_factory=dict)
    load_response: tuple[int, dict[str, Any]] = (0, {})
    load_run: dict[str, Any] = field(default_factory=dict)
    index_responses: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    index_run: dict[str, Any] = field(default_factory=dict)
    reads_during_index: list[tuple[str, int, str]] = field(default_factory=list)
    # Every `progress` GET /jobs/{id} gave while a run waited for its end, by run id.
    progress_seen: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.home / "records.duckdb"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{self.dagster_url}/graphql", json={"query": query, "variables": variables or {}})
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def wait_job(self, run_id: str, **wait: Any) -> dict:
        """`wait_end`, then fail unless the run succeeded."""
        run = self.wait_end(run_id, **wait)
        assert run["status"] == "SUCCESS", (
            f"run {run_id} ended {run['status']}: {run.get('error')}\n{compute_logs(self.home)}"
        )
        return run

    def wait_end(
        self,
        run_id: str,
        client: httpx.Client | None = None,
        timeout: float = JOB_SECONDS,
        meanwhile: Callable[[], None] | None = None,
    ) -> dict:
        """GET /jobs/{run_id} until the run ends, however it ends; its last answer."""
        client = client or self.api

        def finished() -> dict | None:
            self.services.check_alive()
            if meanwhile is not None:
                meanwhile()
            response = client.get(f"/jobs/{run_id}")
            assert response.status_code == 200, response.text
            body = response.json()
            if body.get("progress"):
                self.progress_seen.setdefault(run_id, []).append(body["progress"])
            return body if body["status"] in TERMINAL_STATUSES else None

        return wait_for(finished, timeout, f"Dagster run {run_id} to finish", interval=1.0)

    def load_runs(self) -> dict[str, dict[str, Any]]:
        """Every `load` run Dagster knows: run id → status, `logviz/trigger` tag, and when it was
        created, started and ended (seconds since 1970, None until then)."""
        query = """
        query($filter: RunsFilter!) {
          runsOrError(filter: $filter) {
            ... on Runs { results { runId status creationTime startTime endTime tags { key value } } }
          }
        }
        """
        results = self.graphql(query, {"filter": {"pipelineName": "load"}})["runsOrError"]["results"]
        return {
            run["runId"]: {
                "status": run["status"],
                "trigger": next((t["value"] for t in run["tags"] if t["key"] == "logviz/trigger"), None),
                "created": run["creationTime"],
                "started": run["startTime"],
                "ended": run["endTime"],
            }
            for run in results
        }

    def wait_in_flight_loads(self, job: str = "load") -> None:
        """Let any queued or running run of `job` end, so counts taken next are settled."""
        query = """
        query($filter: RunsFilter!) { runsOrError(filter: $filter) { ... on Runs { results { runId } } } }
        """
        variables = {"filter": {"pipelineName": job, "statuses": sorted(IN_FLIGHT)}}
        for run in self.graphql(query, variables)["runsOrError"]["results"]:
            self.wait_job(run["runId"])


def compute_logs(home: Path, files: int = 4, lines: int = 40) -> str:
    """The tails of the newest Dagster compute logs (a failed run's traceback lands there)."""
    logs = sorted((home / "dagster" / "storage").rglob("*.err"), key=lambda p: p.stat().st_mtime)[-files:]
    parts = []
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        parts.append(f"----- {log} -----\n" + "\n".join(text))
    return "\n".join(parts)


def api_env(home: Path, sources: Path, dagster_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGVIZ_", "DAGSTER_"))}
    env.update(
        LOGVIZ_HOME=str(home),
        DAGSTER_HOME=str(home / "dagster"),
        LOGVIZ_SOURCES=str(sources),
        LOGVIZ_DAGSTER_URL=dagster_url,
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
        TRANSFORMERS_OFFLINE="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def run_flow(stack: Stack) -> None:
    """Wait until every part is healthy, then Load and Index through the API."""

    def healthy() -> dict | None:
        stack.services.check_alive()
        response = stack.api.get("/health")
        return response.json() if response.status_code == 200 else None

    started = time.monotonic()
    stack.health = wait_for(healthy, STARTUP_SECONDS, "GET /health to report every part ok", interval=1.0)
    print(f"healthy after {time.monotonic() - started:.0f}s", flush=True)

    response = stack.api.post("/load")
    stack.load_response = (response.status_code, response.json())
    assert response.status_code == 202, response.text
    stack.load_run = stack.wait_job(response.json()["run_id"])
    stack.wait_in_flight_loads()  # the sensor may have asked for one more
    print(f"loaded after {time.monotonic() - started:.0f}s", flush=True)

    for _ in range(2):
        response = stack.api.post("/index")
        stack.index_responses.append((response.status_code, response.json()))
        assert response.status_code == 202, response.text

    last_read = [0.0]

    def read_the_map() -> None:  # while the index run writes vectors and points; every few seconds
        if time.monotonic() - last_read[0] < 4:
            return
        last_read[0] = time.monotonic()
        for url, params in READS:
            response = stack.api.get(url, params=params)
            detail = "" if response.status_code == 200 else response.text[:500]
            stack.reads_during_index.append((f"{url} {params}", response.status_code, detail))

    stack.index_run = stack.wait_job(stack.index_responses[0][1]["run_id"], meanwhile=read_the_map)
    print(f"indexed after {time.monotonic() - started:.0f}s", flush=True)


def get_ok(client: httpx.Client, url: str, **params: object) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
    return response.json()


def points(client: httpx.Client, **params: object) -> list[dict]:
    body = get_ok(client, "/points", **params)
    assert body["count"] == len(body["points"])
    return body["points"]


@contextlib.contextmanager
def running_stack(root: Path, samples_dir: Path, token: str) -> Iterator[Stack]:
    """The Dagster webserver and daemon and two APIs (one requiring `token`) over a copy of the
    Claude Code samples, with Load and Index already run through the API."""
    home = dagster_home(root)
    sources = root / "logs"
    shutil.copytree(samples_dir / "claude-code", sources)
    ports = set()
    while len(ports) < 3:
        ports.add(free_port())
    web_port, api_port, secured_port = sorted(ports)
    dagster_url = f"http://127.0.0.1:{web_port}"
    env = api_env(home, sources, dagster_url)
    logs = root / "service-logs"

    # As scripts/up.sh does: create the instance's storage once, before two processes race to.
    subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"], env=env, cwd=REPO_ROOT, check=True, capture_output=True
    )
    services = Services(extra_logs=lambda: compute_logs(home))
    api = httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=60)
    secured = httpx.Client(base_url=f"http://127.0.0.1:{secured_port}", timeout=60)
    try:
        services.add(
            start_service(
                "dagster-webserver",
                [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(web_port)],
                env,
                logs,
            )
        )
        services.add(
            start_service("dagster-daemon", [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, logs)
        )
        services.add(start_service("api", [sys.executable, "-m", "api.serve", "--port", str(api_port)], env, logs))
        services.add(
            start_service(
                "api-with-token",
                [sys.executable, "-m", "api.serve", "--port", str(secured_port)],
                {**env, "LOGVIZ_API_TOKEN": token},
                logs,
            )
        )
        stack = Stack(services, root, home, sources, dagster_url, api, secured, initial_files=jsonl_files(sources))
        try:
            run_flow(stack)
        except BaseException as err:
            raise AssertionError(f"the end-to-end setup failed: {err}\n\n{services.tails()}") from err
        yield stack
    finally:
        api.close()
        secured.close()
        services.stop()
