"""Bodies of large read-only responses, kept until the store changes.

A visualizer asks for the whole map again and again between two writes; serialising 100k
points each time is the slowest thing the API does. Each body is keyed by the store's
version (size and modification time of the DuckDB file and its write-ahead log, both of
which change on every commit) and by the request, and carries an ETag so a client that
already holds the body gets a 304 without it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path


def store_version(database: Path) -> tuple[tuple[int, int] | None, ...]:
    """Changes whenever a writer commits to `database`."""
    version = []
    for path in (database, database.with_name(database.name + ".wal")):
        try:
            stat = path.stat()
            version.append((stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            version.append(None)
    return tuple(version)


def etag_of(key: Hashable) -> str:
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:24] + '"'


class ResponseCache:
    """The `size` most recently used bodies (a body can be tens of MB, so keep few)."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._bodies: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._bodies:
                self._bodies.move_to_end(key)
                return self._bodies[key]
        body = make()  # outside the lock: other requests are not held up by this one
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)
        return body
