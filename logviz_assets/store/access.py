"""Who may open the DuckDB file when: readers share it, a writer has it alone, writers first.

DuckDB lets one process write, and while it writes no other process can even open the file
read-only ("Could not set lock on file"). With short read connections opened all the time
(a viewer polling the map, several API clients), a writer that merely retries its `connect`
can lose every race and fail. So every process of logviz takes a lock on two small files
beside the database before it connects:

- the gate: a reader passes it (shared, released at once); a writer holds it (exclusive) from
  the moment it wants the file, so no new reader starts while it waits;
- the access lock: readers hold it shared while connected; the writer takes it exclusive once
  the readers already inside have finished.

`flock` locks belong to the open file, so threads of one process exclude each other as
processes do, and a killed process releases its locks with its files: a crash never leaves
the store locked.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; readers fall back to retrying DuckDB's own lock
    fcntl = None  # type: ignore[assignment]


class StoreBusy(TimeoutError):
    """The record store could not be opened in time: a writer (or readers) held it too long."""


class AccessLock:
    """The writers-first lock of one database file (see the module docstring)."""

    def __init__(self, database: Path) -> None:
        self.gate_path = database.with_name(database.name + ".gate")
        self.access_path = database.with_name(database.name + ".access")

    def reading(self, wait_seconds: float) -> contextlib.AbstractContextManager[None]:
        return self._enter(shared=True, wait_seconds=wait_seconds)

    def writing(self, wait_seconds: float) -> contextlib.AbstractContextManager[None]:
        return self._enter(shared=False, wait_seconds=wait_seconds)

    @contextlib.contextmanager
    def _enter(self, shared: bool, wait_seconds: float) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        mode, purpose = (fcntl.LOCK_SH, "read") if shared else (fcntl.LOCK_EX, "write")
        deadline = time.monotonic() + wait_seconds
        gate = _acquire(self.gate_path, mode, deadline, purpose)
        try:
            access = _acquire(self.access_path, mode, deadline, purpose)
        except BaseException:
            _release(gate)
            raise
        if shared:  # a reader only passes the gate; a writer keeps it shut until it is done
            _release(gate)
            gate = -1
        try:
            yield
        finally:
            _release(access)
            _release(gate)


def _release(fd: int) -> None:
    if fd >= 0:
        os.close(fd)


def _acquire(path: Path, mode: int, deadline: float, purpose: str) -> int:
    """An open descriptor of `path` holding `mode` (-1: no lock could be taken where none is needed).

    Polls rather than blocks, so a deadline can end the wait.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        try:  # made by another user (the daemon, say): a lock works on a read-only descriptor too
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            if mode == fcntl.LOCK_SH:  # a read-only data folder: nobody can write it, so just read
                return -1
            raise
    delay = 0.002
    try:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusy(f"the record store is busy: no {purpose} access to {path.parent} in time") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
    except BaseException:
        os.close(fd)
        raise
