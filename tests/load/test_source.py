"""The DataSource alone: scanning folders, sorting files into new/grown/rewritten/vanished, fingerprints.

Pure tests on temporary files; the manifest rows (`KnownFile`) are built here the way a load
leaves them: the offset read up to and a hash of the head up to that offset.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from logviz_assets.load import source as sources
from logviz_assets.load.source import HEAD_CHECK_BYTES, FoundFile, KnownFile, classify, fingerprint, scan
from tests.helpers.processes import REPO_ROOT

LINE = b'{"type":"user","sessionId":"s1","message":{"role":"user","content":"hello"}}\n'


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def found(path: Path) -> FoundFile:
    stat = path.stat()
    return FoundFile(str(path), stat.st_size, stat.st_mtime_ns)


def known(path: Path, append_only: bool = True, vanished: bool = False) -> KnownFile:
    """The manifest row a load that read the whole file would write."""
    data = path.read_bytes()
    stat = path.stat()
    head_len = min(HEAD_CHECK_BYTES, len(data))
    return KnownFile(
        path=str(path),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        offset=len(data),
        head_len=head_len,
        head_hash=hashlib.sha256(data[:head_len]).hexdigest(),
        append_only=append_only,
        vanished=vanished,
    )


def bump_mtime(path: Path, by_ns: int = 5_000_000_000) -> None:
    """Move a file's mtime on explicitly: two writes in a row may share a clock tick."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + by_ns))


@pytest.fixture
def forbid_open(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make any file open from `sources` fail, and remember what it tried to open."""
    attempts: list[str] = []

    def refuse(path, *args, **kwargs):
        attempts.append(str(path))
        raise PermissionError(f"test forbids opening {path}")

    monkeypatch.setattr(sources, "open", refuse, raising=False)
    return attempts


# --- scan -------------------------------------------------------------------------------------


def test_scan_finds_candidates_recursively_and_skips_hidden_and_other_suffixes(tmp_path: Path) -> None:
    wanted = [
        write(tmp_path / "a.jsonl", LINE),
        write(tmp_path / "deep" / "er" / "b.json", b"{}"),
        write(tmp_path / "c.ndjson", LINE),
        write(tmp_path / "d.traj", b"{}"),
        write(tmp_path / "e.eval", b"PK"),
    ]
    write(tmp_path / ".hidden" / "x.jsonl", LINE)
    write(tmp_path / "deep" / ".git" / "y.json", b"{}")
    write(tmp_path / ".dotfile.jsonl", LINE)
    write(tmp_path / "notes.txt", b"text")
    write(tmp_path / "run.log", b"log")
    write(tmp_path / "a.jsonl.bak", LINE)
    write(tmp_path / "README.md", b"# hi")

    result = list(scan([tmp_path]))

    assert sorted(f.path for f in result) == sorted(str(p) for p in wanted)
    for file in result:
        stat = os.stat(file.path)
        assert (file.size, file.mtime_ns) == (stat.st_size, stat.st_mtime_ns)


def test_scan_accepts_a_single_file_root_and_several_roots(tmp_path: Path) -> None:
    single = write(tmp_path / "one" / "session.jsonl", LINE)
    write(tmp_path / "one" / "other.jsonl", LINE)
    folder_file = write(tmp_path / "two" / "x.jsonl", LINE)
    paths = [f.path for f in scan([single, tmp_path / "two"])]
    assert paths == [str(single), str(folder_file)]


def test_scan_of_a_missing_root_is_empty(tmp_path: Path) -> None:
    assert list(scan([tmp_path / "nowhere"])) == []


# --- classify ---------------------------------------------------------------------------------


def test_everything_is_new_when_nothing_is_known(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{i}.jsonl", LINE * (i + 1)) for i in range(3)]
    plan = classify(scan([tmp_path]), {})
    assert sorted(f.path for f in plan.new) == sorted(str(p) for p in files)
    assert plan.counts() == {"new": 3, "grown": 0, "rewritten": 0, "vanished": 0, "unchanged": 0, "unreadable": 0}
    assert [change.value for change, _ in plan.to_read] == ["new"] * 3


def test_unchanged_file_is_never_opened(tmp_path: Path, forbid_open: list[str]) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 3)
    manifest = {str(path): known(path)}
    path.chmod(0o000)
    try:
        plan = classify(scan([tmp_path]), manifest)
    finally:
        path.chmod(0o644)
    assert plan.unchanged == 1
    assert plan.to_read == [] and plan.vanished == []
    assert forbid_open == []


def test_grown_jsonl_is_grown_and_its_head_is_checked(
    tmp_path: Path, forbid_open: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 3)
    manifest = {str(path): known(path)}
    with path.open("ab") as handle:
        handle.write(LINE.replace(b"hello", b"more"))

    # With opening forbidden the head cannot be compared, so the file is not trusted as grown:
    # proof that classify really reads the head of a file whose size moved.
    refused = classify(scan([tmp_path]), manifest)
    assert [f.path for f in refused.rewritten] == [str(path)]
    assert forbid_open == [str(path)]

    monkeypatch.delattr(sources, "open")  # opening allowed again
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.grown] == [str(path)]
    assert plan.grown[0].size == len(LINE) * 3 + len(LINE.replace(b"hello", b"more"))
    assert plan.counts()["rewritten"] == 0 and plan.unchanged == 0


def test_grown_file_whose_head_changed_is_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 3)
    manifest = {str(path): known(path)}
    path.write_bytes(LINE.replace(b"s1", b"s2") * 4)
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.rewritten] == [str(path)]
    assert plan.grown == []


def test_same_size_different_head_is_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 3)
    manifest = {str(path): known(path)}
    changed = LINE.replace(b"hello", b"HELLO") * 3
    assert len(changed) == path.stat().st_size
    path.write_bytes(changed)
    bump_mtime(path)
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.rewritten] == [str(path)]
    assert plan.grown == [] and plan.unchanged == 0


def test_same_size_same_content_touched_counts_as_grown_not_rewritten(tmp_path: Path) -> None:
    # Only the mtime moved: the head still matches and nothing was lost, so a read from the
    # old offset (which finds nothing new) is all it takes.
    path = write(tmp_path / "s.jsonl", LINE * 3)
    manifest = {str(path): known(path)}
    bump_mtime(path)
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.grown] == [str(path)]


def test_shrunk_file_is_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 5)
    manifest = {str(path): known(path)}
    path.write_bytes(LINE * 2)  # same head, fewer bytes than were read
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.rewritten] == [str(path)]
    assert plan.grown == []


def test_document_that_grew_is_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path / "traj.json", b'{"messages": [1]}')
    manifest = {str(path): known(path, append_only=False)}
    path.write_bytes(b'{"messages": [1, 2]}')
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.rewritten] == [str(path)]


def test_grown_file_with_head_longer_than_check_window(tmp_path: Path) -> None:
    big = LINE * (HEAD_CHECK_BYTES // len(LINE) + 10)
    path = write(tmp_path / "s.jsonl", big)
    before = known(path)
    assert before.head_len == HEAD_CHECK_BYTES
    with path.open("ab") as handle:
        handle.write(LINE)
    assert [f.path for f in classify(scan([tmp_path]), {str(path): before}).grown] == [str(path)]
    # A change inside the head window is seen.
    path.write_bytes(b"X" + big[1:] + LINE)
    assert [f.path for f in classify(scan([tmp_path]), {str(path): before}).rewritten] == [str(path)]


def test_vanished_file_is_listed_once(tmp_path: Path) -> None:
    keep = write(tmp_path / "keep.jsonl", LINE)
    gone = write(tmp_path / "gone.jsonl", LINE)
    manifest = {str(keep): known(keep), str(gone): known(gone)}
    gone.unlink()
    plan = classify(scan([tmp_path]), manifest)
    assert plan.vanished == [str(gone)]
    assert plan.unchanged == 1 and plan.to_read == []

    # Once the manifest says it vanished, it is not reported again.
    manifest[str(gone)] = known_vanished(manifest[str(gone)])
    again = classify(scan([tmp_path]), manifest)
    assert again.vanished == [] and again.unchanged == 1


def known_vanished(row: KnownFile) -> KnownFile:
    return row._replace(vanished=True)


def test_vanished_file_that_reappears_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "s.jsonl", LINE * 2)
    row = known_vanished(known(path))  # same size and mtime as the manifest remembers
    plan = classify(scan([tmp_path]), {str(path): row})
    assert plan.unchanged == 0 and plan.vanished == []
    assert [f.path for f in plan.grown] == [str(path)]  # same head: resume from the old offset

    path.write_bytes(LINE.replace(b"s1", b"s9") * 2)  # came back with other content
    plan = classify(scan([tmp_path]), {str(path): row})
    assert [f.path for f in plan.rewritten] == [str(path)]


def test_mixed_plan(tmp_path: Path) -> None:
    same = write(tmp_path / "same.jsonl", LINE)
    grows = write(tmp_path / "grows.jsonl", LINE)
    shrinks = write(tmp_path / "shrinks.jsonl", LINE * 3)
    goes = write(tmp_path / "goes.jsonl", LINE)
    manifest = {str(p): known(p) for p in (same, grows, shrinks, goes)}
    with grows.open("ab") as handle:
        handle.write(LINE)
    shrinks.write_bytes(LINE)
    goes.unlink()
    arrives = write(tmp_path / "sub" / "arrives.jsonl", LINE)
    plan = classify(scan([tmp_path]), manifest)
    assert [f.path for f in plan.new] == [str(arrives)]
    assert [f.path for f in plan.grown] == [str(grows)]
    assert [f.path for f in plan.rewritten] == [str(shrinks)]
    assert plan.vanished == [str(goes)]
    assert plan.unchanged == 1
    assert [(c.value, f.path) for c, f in plan.to_read] == [
        ("new", str(arrives)),
        ("grown", str(grows)),
        ("rewritten", str(shrinks)),
    ]


# --- fingerprint ------------------------------------------------------------------------------


def test_fingerprint_moves_on_arrival_growth_rewrite_and_removal(tmp_path: Path) -> None:
    first = write(tmp_path / "a.jsonl", LINE)
    write(tmp_path / "b.jsonl", LINE)
    prints = [fingerprint(scan([tmp_path]))]
    assert prints[0]["files"] == 2 and prints[0]["bytes"] == 2 * len(LINE)

    write(tmp_path / "sub" / "c.jsonl", LINE)  # arrival
    prints.append(fingerprint(scan([tmp_path])))
    with first.open("ab") as handle:  # growth
        handle.write(LINE)
    prints.append(fingerprint(scan([tmp_path])))
    first.write_bytes(LINE.replace(b"hello", b"HELLO") * 2)  # same size, new content, later mtime
    bump_mtime(first)
    prints.append(fingerprint(scan([tmp_path])))
    (tmp_path / "b.jsonl").unlink()  # removal
    prints.append(fingerprint(scan([tmp_path])))

    dumped = [json.dumps(p, sort_keys=True) for p in prints]
    assert len(set(dumped)) == len(dumped), dumped
    assert [p["files"] for p in prints] == [2, 3, 3, 3, 2]


def test_fingerprint_sees_a_rename(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", LINE)
    before = fingerprint(scan([tmp_path]))
    path.rename(tmp_path / "b.jsonl")  # same size, same mtime, other name
    after = fingerprint(scan([tmp_path]))
    assert before["files"] == after["files"] and before["bytes"] == after["bytes"]
    assert before != after


def test_fingerprint_is_stable_and_order_free(tmp_path: Path) -> None:
    for i in range(5):
        write(tmp_path / f"d{i % 2}" / f"{i}.jsonl", LINE * (i + 1))
    files = list(scan([tmp_path]))
    assert fingerprint(files) == fingerprint(scan([tmp_path]))
    assert fingerprint(reversed(files)) == fingerprint(files)
    assert fingerprint([]) == {"files": 0, "bytes": 0, "newest_mtime_ns": 0, "mix": 0}


def test_fingerprint_is_the_same_in_other_processes(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path / f"{i}.jsonl", LINE * (i + 1))
    here = fingerprint(scan([tmp_path]))
    code = (
        "import json, sys; from pathlib import Path; "
        "from logviz_assets.load.source import fingerprint, scan; "
        "print(json.dumps(fingerprint(scan([Path(sys.argv[1])]))))"
    )
    seen = []
    for seed in ("1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seen.append(json.loads(out.stdout))
    assert seen == [here] * 3
