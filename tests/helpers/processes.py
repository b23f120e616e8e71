"""Service processes on loopback ports for end-to-end tests, and bounded waits."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
T = TypeVar("T")


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


def run_python(code: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -c code args…` in the repo, in a process of its own; fails the test if it fails."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def dagster_home(root: Path) -> Path:
    """A data folder under `root` whose Dagster instance uses the repo's dagster.yaml (as scripts/env.sh does)."""
    home = root / "home"
    (home / "dagster").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster" / "dagster.yaml")
    return home
