"""Load on real Claude Code sessions: a real DuckDB file, temporary copies of the shared samples.

Expected counts come from the JSON itself (`tests.helpers.claude_code`), never from a run of
the loader.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from logviz_assets.index.text import embed_text, text_hash
from logviz_assets.store import loads
from tests.helpers.claude_code import expected, expected_files, line_expectation, lines_of
from tests.helpers.store import dump, kinds, load, query, total

BLOCK_KINDS = {"text": "message", "thinking": "reasoning", "tool_use": "tool_call", "tool_result": "tool_result"}
FUM = "projects/-home-marco-projects-spotter-worktrees-spotter-fum/8463c716-a2ea-4c14-9efa-87158ebd9f20"
DOV = "projects/-home-marco-projects-spotter-worktrees-spotter-dov/4d5611e5-241a-462a-8d15-5122611a9569"
SUBAGENT_PAIRS = [
    (f"{FUM}.jsonl", f"{FUM}/subagents/agent-a7be2f0.jsonl"),
    (f"{DOV}.jsonl", f"{DOV}/subagents/agent-a2898e3.jsonl"),
]


# --- tests ------------------------------------------------------------------------------------


def test_first_load_reads_every_file_and_second_adds_nothing(logs: Path, db: Path) -> None:
    files = sorted(logs.rglob("*.jsonl"))
    want = expected_files(files)

    first = load(logs, db)

    assert first.plan["new"] == len(files) == first.files_read
    assert first.records_added == sum(want.values()) == total(db)
    assert kinds(db) == want
    assert first.rejects == 0 and query(db, "SELECT count(*) FROM rejects")[0][0] == 0
    assert first.formats == Counter({"claude-code": len(files)})
    manifest = dict(query(db, 'SELECT path, "offset" FROM files WHERE NOT vanished'))
    assert manifest == {str(p): p.stat().st_size for p in files}
    assert dict(query(db, "SELECT path, lines FROM files")) == {str(p): len(lines_of(p)) for p in files}
    # Every record says which file and line it came from, and that line exists.
    for path, line in query(db, "SELECT source_file, max(source_line) FROM records GROUP BY source_file"):
        assert 1 <= line <= len(lines_of(Path(path)))

    before = dump(db)
    second = load(logs, db)
    assert second.records_added == 0 and second.files_read == 0 and second.records_read == 0
    assert second.plan["unchanged"] == len(files)
    assert dump(db) == before


def test_appended_lines_add_exactly_their_records(tmp_path: Path, samples_dir: Path, db: Path) -> None:
    # The lines come from a session that is not in the loaded folder, so their ids are new.
    logs = tmp_path / "logs"
    shutil.copytree(samples_dir / "claude-code", logs, ignore=shutil.ignore_patterns("agent-aac57f5.jsonl"))
    donor = lines_of(samples_dir / "claude-code" / "agent-aac57f5.jsonl")
    target = logs / "tool_heavy.jsonl"
    load(logs, db)
    known_runs = {r for (r,) in query(db, "SELECT run_id FROM records WHERE kind = 'run'")}
    before_kinds = kinds(db)
    original_lines = len(lines_of(target))

    added_lines = donor[:10]
    assert all(line.endswith("\n") for line in added_lines)
    want, runs = expected(added_lines)
    want["run"] = len(runs - known_runs)
    assert sum(want.values()) > 0
    with target.open("a") as handle:
        handle.writelines(added_lines)

    report = load(logs, db)

    assert report.plan["grown"] == 1 and report.files_read == 1
    assert report.records_added == sum(want.values())
    assert report.records_read == sum(want.values())
    assert kinds(db) - before_kinds == want
    assert sum((kinds(db) - before_kinds).values()) == report.records_added
    new_lines = {
        line
        for (line,) in query(
            db,
            "SELECT source_line FROM records WHERE source_file = ? AND source_line > ?",
            [str(target), original_lines],
        )
    }
    assert new_lines and max(new_lines) <= original_lines + 10
    assert query(db, 'SELECT "offset", lines FROM files WHERE path = ?', [str(target)]) == [
        (target.stat().st_size, original_lines + 10)
    ]
    assert load(logs, db).records_added == 0


def test_run_gets_its_title_when_the_first_prompt_arrives_in_a_later_load(
    tmp_path: Path, samples_dir: Path, db: Path
) -> None:
    # The session's first assistant turn comes first, as in a transcript that starts mid-run.
    source = lines_of(samples_dir / "claude-code" / "tool_heavy.jsonl")
    first_prompt = next(i for i, line in enumerate(source) if json.loads(line).get("type") == "user")
    reply = next(i for i, line in enumerate(source) if json.loads(line).get("type") == "assistant")
    assert first_prompt < reply
    prompt = json.loads(source[first_prompt])["message"]["content"]
    target = tmp_path / "logs" / "session.jsonl"
    target.parent.mkdir()
    target.write_text(source[reply])
    load(target.parent, db)
    run = "SELECT text, text_hash FROM records WHERE kind = 'run'"
    assert query(db, run) == [(None, text_hash(embed_text("run", None)))]

    with target.open("a") as handle:
        handle.writelines(source[first_prompt:reply] + source[reply + 1 :])
    assert load(target.parent, db).plan["grown"] == 1

    assert isinstance(prompt, str) and prompt.strip()
    assert query(db, run) == [(prompt, text_hash(embed_text("run", prompt)))]


def test_half_written_line_is_read_once_when_complete(tmp_path: Path, samples_dir: Path, db: Path) -> None:
    source = lines_of(samples_dir / "claude-code" / "tool_heavy.jsonl")
    # The last line that gives records, so completing it must add something.
    last = max(i for i, line in enumerate(source) if sum(line_expectation(line)[0].values()))
    target = tmp_path / "logs" / "session.jsonl"
    target.parent.mkdir()
    target.write_text("".join(source[:last]))
    load(target.parent, db)
    count_before = total(db)
    size_before = target.stat().st_size

    with target.open("a") as handle:
        handle.write(source[last][:40])  # the agent is still writing this line
    partial = load(target.parent, db)
    assert partial.records_read == 0 and partial.records_added == 0
    assert total(db) == count_before
    assert query(db, 'SELECT "offset", lines FROM files')[0] == (size_before, last)

    with target.open("a") as handle:
        handle.write(source[last][40:])
    done = load(target.parent, db)
    want, _ = expected([source[last]])
    assert done.records_read == sum(want.values())
    assert done.records_added == sum(want.values())
    assert (
        Counter(dict(query(db, "SELECT kind, count(*) FROM records WHERE source_line = ? GROUP BY kind", [last + 1])))
        == want
    )
    assert query(db, 'SELECT "offset", lines FROM files')[0] == (target.stat().st_size, last + 1)

    again = load(target.parent, db)
    assert again.records_read == 0 and again.records_added == 0


def test_rewritten_file_replaces_its_records(tmp_path: Path, db: Path, samples_dir: Path) -> None:
    logs = tmp_path / "logs"  # without the session the file is later rewritten to, so its ids are new
    shutil.copytree(samples_dir / "claude-code", logs, ignore=shutil.ignore_patterns("agent-aac57f5.jsonl"))
    target = logs / "tool_heavy.jsonl"
    load(logs, db)
    all_before = total(db)
    old_ids = {r for (r,) in query(db, "SELECT record_id FROM records WHERE source_file = ?", [str(target)])}
    assert old_ids

    # Shrink: the first 20 lines stay, the rest goes.
    kept = lines_of(target)[:20]
    target.write_text("".join(kept))
    report = load(logs, db)
    want = expected_files([target])
    assert report.plan["rewritten"] == 1
    assert kinds(db, "source_file = ?", [str(target)]) == want
    assert total(db) == all_before - len(old_ids) + sum(want.values())
    shrunk_ids = {r for (r,) in query(db, "SELECT record_id FROM records WHERE source_file = ?", [str(target)])}
    assert shrunk_ids < old_ids
    assert query(db, "SELECT count(*) FROM records WHERE source_file = ? AND source_line > 20", [str(target)]) == [(0,)]

    # Replace with another session altogether.
    other = samples_dir / "claude-code" / "agent-aac57f5.jsonl"
    shutil.copyfile(other, target)
    before = total(db)
    load(logs, db)
    want = expected_files([other])
    assert kinds(db, "source_file = ?", [str(target)]) == want
    assert total(db) == before - len(shrunk_ids) + sum(want.values())
    assert not shrunk_ids & {r for (r,) in query(db, "SELECT record_id FROM records")}
    assert query(db, "SELECT count(*), count(DISTINCT record_id) FROM records")[0] == (total(db), total(db))


def test_rewrite_is_one_transaction(logs: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = logs / "tool_heavy.jsonl"
    load(logs, db)
    before = dump(db)
    target.write_text("".join(lines_of(target)[:15]))

    def broken(con, run_ids):  # fails after the DELETE and the INSERT of the rewritten file
        raise RuntimeError("disk full")

    monkeypatch.setattr(loads, "complete_runs", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        load(logs, db)
    assert dump(db) == before  # the DELETE of the old rows was rolled back with the failed insert

    monkeypatch.undo()
    load(logs, db)
    assert kinds(db, "source_file = ?", [str(target)]) == expected_files([target])


def test_deleted_file_keeps_its_records_and_is_marked_vanished(logs: Path, db: Path) -> None:
    gone = logs / FUM / "subagents" / "agent-a7be2f0.jsonl"
    want = expected_files([gone])
    load(logs, db)
    before = dump(db)["records"]
    gone.unlink()

    report = load(logs, db)

    assert report.plan["vanished"] == 1 and report.files_read == 0
    assert dump(db)["records"] == before
    assert kinds(db, "source_file = ?", [str(gone)]) == want
    assert query(db, "SELECT path FROM files WHERE vanished") == [(str(gone),)]
    again = load(logs, db)
    assert again.plan["vanished"] == 0 and again.plan["unchanged"] == len(list(logs.rglob("*.jsonl")))


def test_vanished_file_that_comes_back_is_not_duplicated(logs: Path, db: Path, tmp_path: Path) -> None:
    path = logs / "tool_heavy.jsonl"
    load(logs, db)
    before = dump(db)["records"]
    parked = tmp_path / "parked.jsonl"
    shutil.move(path, parked)
    load(logs, db)
    shutil.move(parked, path)
    report = load(logs, db)
    assert report.records_added == 0
    assert dump(db)["records"] == before
    assert query(db, "SELECT count(*) FROM files WHERE vanished") == [(0,)]


def test_file_in_no_known_format_gives_one_reject(logs: Path, db: Path) -> None:
    odd = logs / "package.json"
    odd.write_text(json.dumps({"name": "my-package", "version": "1.0.0", "dependencies": {}}))
    first = load(logs, db)
    assert first.rejects == 1
    rows = query(db, "SELECT source_file, source_line, reason FROM rejects")
    assert len(rows) == 1 and rows[0][0] == str(odd) and rows[0][1] is None
    assert "not a known" in rows[0][2]
    assert query(db, "SELECT count(*) FROM records WHERE source_file = ?", [str(odd)]) == [(0,)]

    second = load(logs, db)
    assert second.rejects == 0
    assert query(db, "SELECT count(*) FROM rejects") == [(1,)]

    odd.write_text(json.dumps({"name": "my-package", "version": "2.0.0"}))  # changed, still unknown
    load(logs, db)
    assert query(db, "SELECT count(*) FROM rejects") == [(1,)]


def test_malformed_line_is_rejected_and_the_rest_loads(tmp_path: Path, samples_dir: Path, db: Path) -> None:
    good = lines_of(samples_dir / "claude-code" / "tool_heavy.jsonl")
    broken = [*good[:6], '{"type": "user", "sessionId": \n', *good[6:]]
    target = tmp_path / "logs" / "s.jsonl"
    target.parent.mkdir()
    target.write_text("".join(broken))

    report = load(target.parent, db)

    assert report.rejects == 1
    assert query(db, "SELECT source_file, source_line FROM rejects") == [(str(target), 7)]
    want = expected_files([samples_dir / "claude-code" / "tool_heavy.jsonl"])
    assert kinds(db) == want
    # Lines after the bad one keep their own numbers.
    last_good = max(i for i, line in enumerate(good) if sum(line_expectation(line)[0].values())) + 1
    assert query(db, "SELECT max(source_line) FROM records") == [(last_good + 1,)]


def spawning_call_id(parent_file: Path, agent_id: str) -> str:
    """The tool_use id of the call whose result says it ran `agent_id`, read from the JSON."""
    results = []
    call_ids = set()
    for line in parent_file.read_text().splitlines():
        event = json.loads(line)
        content = (event.get("message") or {}).get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if block.get("type") == "tool_use":
                call_ids.add(block["id"])
        result = event.get("toolUseResult")
        if isinstance(result, dict) and result.get("agentId") == agent_id:
            results += [b["tool_use_id"] for b in content if b.get("type") == "tool_result"]
    assert len(results) == 1 and results[0] in call_ids
    return results[0]


def subagent_run(sub_file: Path) -> tuple[str, str, str]:
    """(session id, agent id, run id) of a subagent transcript, from its first line."""
    event = json.loads(sub_file.read_text().splitlines()[0])
    return event["sessionId"], event["agentId"], f"{event['sessionId']}:agent-{event['agentId']}"


def check_link(db: Path, parent_file: Path, sub_file: Path) -> None:
    session, agent, run = subagent_run(sub_file)
    call = spawning_call_id(parent_file, agent)
    call_records = query(
        db,
        "SELECT record_id FROM records WHERE kind = 'tool_call' AND run_id = ? AND tool_call_id = ?",
        [session, call],
    )
    assert len(call_records) == 1
    assert query(db, "SELECT parent_id FROM records WHERE kind = 'run' AND run_id = ?", [run]) == [call_records[0]]


@pytest.mark.parametrize("parent_rel, sub_rel", SUBAGENT_PAIRS)
@pytest.mark.parametrize("subagent_first", [True, False])
def test_subagent_run_points_at_the_spawning_call(
    tmp_path: Path, samples_dir: Path, db: Path, parent_rel: str, sub_rel: str, subagent_first: bool
) -> None:
    logs = tmp_path / "logs"
    order = [sub_rel, parent_rel] if subagent_first else [parent_rel, sub_rel]
    for rel in order:
        (logs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples_dir / "claude-code" / rel, logs / rel)
        load(logs, db)
        if rel == sub_rel and subagent_first:
            # Until the spawning call is loaded, the subagent hangs under its session.
            session, _, run = subagent_run(logs / sub_rel)
            assert query(db, "SELECT parent_id FROM records WHERE kind = 'run' AND run_id = ?", [run]) == [
                (f"claude-code:{session}",)
            ]
    check_link(db, logs / parent_rel, logs / sub_rel)


def test_every_subagent_in_the_samples_is_linked_after_one_load(logs: Path, db: Path) -> None:
    load(logs, db)
    linked = 0
    for sub_file in sorted(logs.rglob("subagents/*.jsonl")):
        parent_file = sub_file.parent.parent.with_suffix(".jsonl")
        session, agent, run = subagent_run(sub_file)
        spawned = any(
            isinstance((e := json.loads(line)).get("toolUseResult"), dict)
            and e["toolUseResult"].get("agentId") == agent
            for line in parent_file.read_text().splitlines()
        )
        if spawned:
            check_link(db, parent_file, sub_file)
            linked += 1
        else:  # e.g. a compaction agent: no tool call started it
            assert query(db, "SELECT parent_id FROM records WHERE kind = 'run' AND run_id = ?", [run]) == [
                (f"claude-code:{session}",)
            ]
    assert linked == len(SUBAGENT_PAIRS)


def crash_then_reload(logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A load killed while writing its second batch, then a clean load on top; and a fresh one."""
    crashed, clean = tmp_path / "crashed.duckdb", tmp_path / "clean.duckdb"
    real_write = loads.write_files
    calls = []

    def write_then_crash(con, writes):
        calls.append(len(writes))
        if len(calls) == 2:
            raise OSError("killed mid-load")
        return real_write(con, writes)

    with monkeypatch.context() as patch:
        patch.setattr(loads, "write_files", write_then_crash)
        with pytest.raises(OSError, match="killed"):
            load(logs, crashed, batch_records=50)
    assert len(calls) == 2
    files_after_crash = query(crashed, "SELECT count(*) FROM files")[0][0]
    assert 0 < files_after_crash < len(list(logs.rglob("*.jsonl")))  # the first batch did commit

    load(logs, crashed, batch_records=50)
    load(logs, clean)
    return crashed, clean


def test_load_after_a_crash_converges_on_a_clean_load(
    logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed, clean = crash_then_reload(logs, tmp_path, monkeypatch)
    after, fresh = dump(crashed), dump(clean)
    assert after["files"] == fresh["files"]
    assert after["rejects"] == fresh["rejects"]
    assert [r[0] for r in after["records"]] == [r[0] for r in fresh["records"]]
    # Runs of the batch committed before the crash are completed (title, span) and linked too.
    runs = "SELECT record_id, parent_id, text, text_hash, ts_start, ts_end FROM records WHERE kind = 'run' ORDER BY 1"
    assert query(crashed, runs) == query(clean, runs)
    assert after == fresh
