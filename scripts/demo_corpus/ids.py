"""Ids, durations and times derived from names, so that every run of the generator writes the same bytes."""

from __future__ import annotations

import hashlib
import uuid
import zlib
from datetime import datetime

NS = uuid.UUID("6b1f3c1e-8d0a-4f55-9d0e-1b2c3d4e5f60")


def uid(*parts: object) -> str:
    """A UUID that stands for `parts` (version 5, as good as random to a reader)."""
    return str(uuid.uuid5(NS, ":".join(map(str, parts))))


def uuid7(at: datetime, *parts: object) -> str:
    """A UUID v7 for `at`, as Codex names its sessions: the time in the first 48 bits."""
    ms = int(at.timestamp() * 1000)
    tail = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    raw = f"{ms:012x}7{tail[:3]}{'89ab'[int(tail[3], 16) % 4]}{tail[4:19]}"
    return str(uuid.UUID(raw))


def hexid(length: int, *parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:length]


def vary(low: float, high: float, *parts: object) -> float:
    """A number in [low, high) that depends only on `parts`: durations and token counts."""
    return low + (high - low) * (zlib.crc32(":".join(map(str, parts)).encode()) % 10_000) / 10_000


def iso(at: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`, as the agents write it."""
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
