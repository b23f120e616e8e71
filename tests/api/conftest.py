"""Helpers for the API tests: free ports, service processes, bounded waits, independent counts.

Expected numbers come from the Claude Code JSON itself (`tests.test_loading.expected_files`,
by the rules in the docstring of `logviz_assets/formats/claude_code.py`) or from the DuckDB
file read directly, never from the API under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb
import httpx
import pytest

from tests.test_loading import run_key

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = TypeVar("T")

# A distinctive Bash command that occurs exactly once in the Claude Code samples.
DIALYZER_COMMAND = 'mix dialyzer --format short 2>&1 | grep "subagent_live"'
FUM_PROJECT = "-home-marco-projects-spotter-worktrees-spotter-fum"
FUM_SESSION = f"projects/{FUM_PROJECT}/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl"
DOV_SESSION_ID = "4d5611e5-241a-462a-8d15-5122611a9569"
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


# --- independent expectations from the JSON -----------------------------------------------------


def jsonl_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.jsonl"))


@dataclass(frozen=True)
class ToolCall:
    path: Path
    line: int  # 1-based
    run_id: str
    tool_use_id: str

    @property
    def record_id(self) -> str:
        return f"claude-code:{self.run_id}:{self.tool_use_id}"


def find_bash_call(root: Path, command: str) -> ToolCall:
    """The one Bash tool call below `root` whose command is exactly `command`."""
    found = []
    for path in jsonl_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if command[:20] not in line:
                continue
            event = json.loads(line)
            content = (event.get("message") or {}).get("content")
            for block in content if isinstance(content, list) else []:
                if (
                    isinstance(block, dict)
                    and block.get("type") == "tool_use"
                    and block.get("name") == "Bash"
                    and (block.get("input") or {}).get("command") == command
                ):
                    found.append(ToolCall(path, number, run_key(event), block["id"]))
    assert len(found) == 1, f"expected the command once in the samples, found {found}"
    return found[0]


def clone_session(source: Path, new_session_id: str, staging: Path) -> Path:
    """A copy of a real session under another session id, so every record id in it is new.

    Written into `staging` (outside any watched folder): move it into place with `os.replace`
    so a scan never sees it half written.
    """
    text = source.read_text(encoding="utf-8")
    old = next(json.loads(line)["sessionId"] for line in text.splitlines() if '"sessionId"' in line)
    staging.mkdir(parents=True, exist_ok=True)
    target = staging / f"{new_session_id}.jsonl"
    target.write_text(text.replace(old, new_session_id), encoding="utf-8")
    return target


# --- reading the stores directly ----------------------------------------------------------------


def duck(db: Path, sql: str, params: list | None = None, wait: float = 60.0) -> list[tuple]:
    """Rows of `sql` on a short read-only connection, waiting out a writer's lock."""
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(db), read_only=True)
            break
        except duckdb.IOException as err:
            if "lock" not in str(err).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def duck_ids(db: Path, where: str = "true", params: list | None = None) -> set[str]:
    return {row[0] for row in duck(db, f"SELECT record_id FROM records WHERE {where}", params)}


def duck_count(db: Path, where: str = "true", params: list | None = None) -> int:
    return duck(db, f"SELECT count(*) FROM records WHERE {where}", params)[0][0]


# --- bounded waits ------------------------------------------------------------------------------


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except (AssertionError, OSError, ValueError, KeyError, httpx.TransportError) as err:
            last_error = err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error!r})")
        time.sleep(min(interval, 1.0))


# --- service processes --------------------------------------------------------------------------


class ServiceDied(RuntimeError):
    """A service process ended while the tests still needed it (not retried by `wait_for`)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as err:
            return f"(no log: {err})"
        return "\n".join(text[-lines:])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """Stop the whole process group: the service and whatever it started."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace)


def start_service(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> Service:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Service(name, proc, log)


@dataclass
class Services:
    """Processes started for a test module, stopped together; their logs for failure reports."""

    items: list[Service] = field(default_factory=list)
    extra_logs: Callable[[], str] = lambda: ""

    def add(self, service: Service) -> Service:
        self.items.append(service)
        return service

    def tails(self, lines: int = 60) -> str:
        parts = []
        for service in self.items:
            state = "running" if service.alive() else f"exited {service.proc.returncode}"
            parts.append(
                f"----- {service.name} ({state}), last {lines} lines of {service.log} -----\n{service.tail(lines)}"
            )
        extra = self.extra_logs()
        if extra:
            parts.append(extra)
        return "\n".join(parts)

    def check_alive(self) -> None:
        dead = [s for s in self.items if not s.alive()]
        if dead:
            raise ServiceDied(f"{', '.join(s.name for s in dead)} exited early")

    def stop(self) -> None:
        for service in reversed(self.items):
            service.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On a failure in a test that uses running services, attach the tail of each one's log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            services = getattr(value, "services", None)
            if isinstance(services, Services):
                report.sections.append(("logviz service logs (tails)", services.tails()))


# --- a store built directly with the real model -------------------------------------------------


@dataclass(frozen=True)
class BuiltStore:
    home: Path
    sources: Path

    @property
    def db(self) -> Path:
        return self.home / "records.duckdb"


def build_store(home: Path, sources: Path) -> None:
    """Load, embed and place `sources` into `home` the way the Dagster assets do."""
    from logviz_assets import config, indexing, loading, projection, resources
    from logviz_assets.embedding import TextEmbedder
    from logviz_assets.vectors import VectorTable

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGVIZ_HOME", str(home))
        record_store = resources.record_store(config.duckdb_path())
        write = partial(resources.writer, record_store)
        read = partial(resources.reader, record_store)

        def quiet(_: str) -> None:
            pass

        loading.load([sources], write, progress=quiet)
        vectors = VectorTable(str(config.lancedb_path()))
        indexing.embed_missing(read, vectors, TextEmbedder(config.model()), progress=quiet)
        indexing.place_points(
            read, write, vectors, projection.LayoutStore(config.layouts_path()), config.model(), progress=quiet
        )


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> BuiltStore:
    """The Claude Code samples minus one project (kept out to add later), loaded and indexed."""
    root = tmp_path_factory.mktemp("built")
    sources = root / "logs"
    shutil.copytree(samples_dir / "claude-code", sources, ignore=shutil.ignore_patterns(FUM_PROJECT))
    home = root / "home"
    build_store(home, sources)
    return BuiltStore(home.resolve(), sources.resolve())
