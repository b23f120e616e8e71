"""A corpus of bad input, loaded for real: every bad piece gives a reject, the good records are
those of a clean load of the good files alone, and no input makes the load's memory swell.

Each load runs in its own process, which reports its peak resident memory.
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from logviz_assets.limits import MAX_DOCUMENT_BYTES, MAX_LINE_BYTES
from logviz_assets.load import operation
from tests.helpers.processes import run_python
from tests.helpers.store import load, query

GOOD = ["claude-code/tool_heavy.jsonl", "codex-cli"]
# A peak this much above the clean load's is a swollen load (the inputs below hold gigabytes).
MEMORY_HEADROOM_MB = 300

LOAD_AND_MEASURE = """
import resource, sys
from pathlib import Path
from logviz_assets.load.operation import load
from logviz_assets.load.source import DataSource
from logviz_assets.store import RecordStore

report = load(DataSource([sys.argv[1]]), RecordStore(Path(sys.argv[2])), progress=lambda _: None)
print(report.records_added, report.rejects, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def first_claude_prompt(samples_dir: Path) -> bytes:
    """A real prompt line, so that a file starting with it is detected as Claude Code and gives a record."""
    with (samples_dir / "claude-code" / "tool_heavy.jsonl").open("rb") as handle:
        return next(line for line in handle if json.loads(line).get("type") == "user")


def write_bad_pieces(folder: Path, samples_dir: Path) -> dict[str, str]:
    """The bad files, each with the substring its reject must say (None: no reject expected)."""
    folder.mkdir(parents=True)
    event = json.loads(first_claude_prompt(samples_dir))

    def prompt(name: str) -> bytes:
        """A real prompt under ids of this file's own, so that its record belongs to this file."""
        return json.dumps({**event, "sessionId": f"bad-{name}", "uuid": f"bad-{name}"}).encode() + b"\n"

    expect: dict[str, str] = {}

    lines = (samples_dir / "claude-code" / "agent-aac57f5.jsonl").read_bytes().splitlines(keepends=True)
    middle = len(lines) // 2
    damaged = [*lines[:middle], b'{"type": "assistant", "message": {"content": [\n', b"\xff\xfe garbage\n"]
    (folder / "malformed-mid-file.jsonl").write_bytes(b"".join([*damaged, *lines[middle:], b'{"type": "user", "mes']))
    expect["malformed-mid-file.jsonl"] = "invalid JSON"

    (folder / "binary.jsonl").write_bytes(bytes(range(256)) * 64)
    expect["binary.jsonl"] = "not a known agent log format"
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "unknown.json").write_text(json.dumps({"hello": "world", "items": [1, 2, 3]}))
    expect["unknown.json"] = "not a known agent log format"

    with (folder / "long-line.jsonl").open("wb") as handle:
        handle.write(prompt("long"))
        filler = {**event, "uuid": "long-line", "message": {"role": "user", "content": "x" * (50 * 2**20)}}
        handle.write(json.dumps(filler).encode() + b"\n")
    expect["long-line.jsonl"] = "over the limit"
    assert MAX_LINE_BYTES < 50 * 2**20

    deep = b'{"type": "user", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    (folder / "deep.jsonl").write_bytes(prompt("deep") + deep)
    expect["deep.jsonl"] = "nested"

    huge = {**event, "uuid": "huge-array", "message": {"role": "user", "content": list(range(2_000_000))}}
    (folder / "huge-array.jsonl").write_bytes(prompt("huge") + json.dumps(huge).encode() + b"\n")
    expect["huge-array.jsonl"] = ""  # any reject: the content is not a message's shape

    with (
        zipfile.ZipFile(folder / "bomb.eval", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("header.json", "w", force_zip64=True) as member,
    ):
        member.write(b'{"eval": {"task": "bomb", "model": "x/y"}, "pad": "')
        chunk = b"0" * 2**20
        for _ in range(MAX_DOCUMENT_BYTES // 2**20 + 16):
            member.write(chunk)
        member.write(b'"}')
    expect["bomb.eval"] = "limit"

    os.symlink(folder / "loop-b.jsonl", folder / "loop-a.jsonl")
    os.symlink(folder / "loop-a.jsonl", folder / "loop-b.jsonl")
    expect["loop-a.jsonl"] = expect["loop-b.jsonl"] = "could not read file"
    return expect


def run_load(source: Path, db: Path) -> tuple[int, int, int]:
    out = run_python(LOAD_AND_MEASURE, str(source), str(db))
    added, rejects, peak_mb = map(int, out.stdout.split()[-3:])
    return added, rejects, peak_mb


def records_by_relative_path(db: Path, root: Path, leave_out: str = "loaded_at") -> list[tuple]:
    """Every record, its file relative to `root`; without the load time (and `leave_out`)."""
    columns = [name for name, *_ in query(db, "DESCRIBE records") if name not in ("loaded_at", leave_out)]
    select = ", ".join("replace(source_file, ?, '')" if name == "source_file" else name for name in columns)
    return query(db, f"SELECT {select} FROM records ORDER BY record_id", [str(root)])


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> dict:
    root = tmp_path_factory.mktemp("bad-input")
    clean, mixed = root / "clean", root / "mixed"
    for good in GOOD:
        for target in (clean, mixed):
            source = samples_dir / good
            if source.is_dir():
                shutil.copytree(source, target / good)
            else:
                (target / good).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target / good)
    expect = write_bad_pieces(mixed / "bad", samples_dir)
    # The good lines of the damaged file, as a clean load would see them.
    good_lines = (samples_dir / "claude-code" / "agent-aac57f5.jsonl").read_bytes()
    (clean / "bad").mkdir()
    (clean / "bad" / "malformed-mid-file.jsonl").write_bytes(good_lines)
    return {
        "clean": (clean, root / "clean.duckdb", run_load(clean, root / "clean.duckdb")),
        "mixed": (mixed, root / "mixed.duckdb", run_load(mixed, root / "mixed.duckdb")),
        "expect": expect,
    }


def test_every_bad_piece_gives_a_reject_saying_why(loads: dict) -> None:
    _, db, _ = loads["mixed"]
    rejects = query(db, "SELECT source_file, source_line, reason FROM rejects")
    by_file: dict[str, list[str]] = {}
    for path, _, reason in rejects:
        by_file.setdefault(Path(path).name, []).append(reason)
    for name, says in loads["expect"].items():
        assert name in by_file, f"{name} gave no reject (rejects: {by_file})"
        assert any(says in reason for reason in by_file[name]), (name, by_file[name])
    assert "empty.jsonl" not in by_file  # nothing written yet is nothing wrong
    # Bad lines cost their own line only: each reject of a line-based file names its line.
    for path, line, reason in rejects:
        if Path(path).name in ("malformed-mid-file.jsonl", "long-line.jsonl", "deep.jsonl", "huge-array.jsonl"):
            assert line is not None, (path, reason)


def test_the_good_records_equal_those_of_a_clean_load(loads: dict) -> None:
    clean_root, clean_db, (clean_added, clean_rejects, _) = loads["clean"]
    mixed_root, mixed_db, _ = loads["mixed"]
    assert clean_rejects == 0 and clean_added > 100
    # The damaged copy's lines moved by the two bad lines inserted in its middle; all else is equal.
    clean = records_by_relative_path(clean_db, clean_root, leave_out="source_line")
    good_ids = {row[0] for row in clean}
    mixed = [row for row in records_by_relative_path(mixed_db, mixed_root, "source_line") if row[0] in good_ids]
    assert [row[0] for row in mixed] == [row[0] for row in clean]  # none lost, none duplicated
    assert mixed == clean
    # The bad files' first lines (real events) still load: one bad line costs one line.
    for name in ("long-line.jsonl", "deep.jsonl", "huge-array.jsonl"):
        found = query(mixed_db, "SELECT count(*) FROM records WHERE source_file LIKE ?", [f"%/{name}"])
        assert found[0][0] >= 1, name


def test_no_input_makes_the_load_swell(loads: dict) -> None:
    *_, (_, _, clean_peak) = loads["clean"]
    *_, (_, _, mixed_peak) = loads["mixed"]
    print(f"peak RSS of the load: clean {clean_peak} MB, with the bad inputs {mixed_peak} MB")
    assert mixed_peak - clean_peak < MEMORY_HEADROOM_MB, (clean_peak, mixed_peak)


def one_session(tmp_path: Path, samples_dir: Path) -> Path:
    """A log folder holding one real session file; the file's path."""
    (tmp_path / "logs").mkdir()
    return Path(shutil.copy(samples_dir / "claude-code" / "tool_heavy.jsonl", tmp_path / "logs" / "session.jsonl"))


def deny_reading(patch: pytest.MonkeyPatch, target: Path) -> None:
    """Reading `target` fails as a permission would; the suite runs as root, which reads any file
    whatever its mode, so the read itself is made to fail."""
    real_read = operation.read_file

    def denied(path: Path, *args, **kwargs):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, *args, **kwargs)

    patch.setattr(operation, "read_file", denied)


def test_an_unreadable_file_is_read_once_it_can_be(
    tmp_path: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = one_session(tmp_path, samples_dir)
    logs = target.parent
    db = tmp_path / "records.duckdb"
    with monkeypatch.context() as patch:
        deny_reading(patch, target)
        first = load(logs, db)
    assert first.files_unreadable == 1 and first.records_added == 0
    assert query(db, "SELECT count(*) FROM files") == [(0,)]  # not marked as read
    assert [r[0] for r in query(db, "SELECT reason FROM rejects")] == [
        "could not read file: PermissionError: [Errno 13] Permission denied: " + repr(str(target))
    ]

    again = load(logs, db)  # readable now
    assert again.plan["new"] == 1 and again.records_added > 0
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]  # the failure is gone with it
    assert load(logs, db).files_read == 0


def test_a_rewritten_file_that_cannot_be_read_keeps_its_records(
    tmp_path: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = one_session(tmp_path, samples_dir)
    logs = target.parent
    db = tmp_path / "records.duckdb"
    before = load(logs, db).records_added
    lines = target.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join(lines[1:]))  # rewritten in place: its head changed
    with monkeypatch.context() as patch:
        deny_reading(patch, target)
        failed = load(logs, db)
    assert failed.plan["rewritten"] == 1 and failed.files_unreadable == 1
    assert query(db, "SELECT count(*) FROM records") == [(before,)]  # not replaced by nothing
    again = load(logs, db)  # readable again: the rewrite is read
    assert again.plan["rewritten"] == 1 and query(db, "SELECT count(*) FROM rejects") == [(0,)]
