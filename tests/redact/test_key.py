"""The local HMAC key: created once with mode 0600, read afterwards, safe when processes race."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from logviz_assets.redact import key as key_module
from logviz_assets.redact.key import KEY_BYTES, load_or_create_key, tag


def test_created_once_private_and_then_read(tmp_path: Path) -> None:
    path = tmp_path / "home" / "redaction.key"
    first = load_or_create_key(path)
    assert len(first) == KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == first
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["redaction.key"]  # no temporary file left


def test_a_new_data_folder_gets_a_new_key(tmp_path: Path) -> None:
    assert load_or_create_key(tmp_path / "a.key") != load_or_create_key(tmp_path / "b.key")


def test_a_truncated_key_is_an_error_not_a_weak_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_module, "_WAIT_FOR_WRITER_S", 0.05)
    path = tmp_path / "redaction.key"
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_key(path)


def _create(path: str, barrier, results) -> None:
    barrier.wait()
    results.put(load_or_create_key(Path(path)))


def test_racing_processes_all_get_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "redaction.key"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(6)
    results = context.Queue()
    workers = [context.Process(target=_create, args=(str(path), barrier, results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    keys = {results.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
    assert keys == {path.read_bytes()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["redaction.key"]


def test_without_hard_links_the_key_is_created_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(*_: object) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "redaction.key"
    created = load_or_create_key(path)
    assert load_or_create_key(path) == created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["redaction.key"]


def test_tag_is_a_keyed_hash() -> None:
    one, other = b"k" * 32, b"o" * 32
    assert tag(one, "hunter2", 8) == tag(one, "hunter2", 8)
    assert len(tag(one, "hunter2", 8)) == 8
    assert tag(one, "hunter2", 8) != tag(other, "hunter2", 8)
    assert tag(one, "hunter2", 8) != tag(one, "hunter3", 8)
    assert "hunter2" not in tag(one, "hunter2", 64)
