"""The local key that turns a secret into a short stable tag, created once per data folder.

With it the same secret gets the same placeholder suffix everywhere (so repeats still
group on the map and in search) while the suffix reveals nothing without the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

KEY_FILE_NAME = "redaction.key"
KEY_BYTES = 32
_WAIT_FOR_WRITER_S = 2.0


def load_or_create_key(path: Path) -> bytes:
    """The key stored at `path`, created there first (mode 0600) if there is none.

    Safe when processes race: the key is written whole to a private temporary file and
    then hard-linked into place, which fails if another process got there first; the loser
    drops its own key and reads the winner's. Where hard links are not supported, the file
    is created exclusively and written in place, and a reader that finds it still empty
    waits briefly for the writer.
    """
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    _write_new(temporary, key)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return _read(path)
    except OSError:  # no hard links on this file system
        with contextlib.suppress(FileExistsError):
            _write_new(path, key)
            return key
        return _read(path)
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _write_new(path: Path, key: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())


def _read(path: Path) -> bytes:
    deadline = time.monotonic() + _WAIT_FOR_WRITER_S
    while True:
        key = path.read_bytes()
        if len(key) >= KEY_BYTES or time.monotonic() > deadline:
            break
        time.sleep(0.01)  # created but not yet written by the process that won the race
    if len(key) < 16:
        raise ValueError(f"the redaction key {path} is too short ({len(key)} bytes): delete it to make a new one")
    return key


def tag(key: bytes, value: str, length: int) -> str:
    """`length` hex digits of the HMAC-SHA256 of `value`: the same secret, the same tag."""
    digest = hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return digest[:length]
