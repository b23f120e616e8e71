"""OpenHands event-list trajectories, checked against what the file holds."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from logviz_assets.formats.openai_messages import OpenAIMessagesDocument
from logviz_assets.formats.openhands import OpenHands
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder

SAMPLE = Path("openhands") / "basic_gui_mode.json"
CANDIDATES = (".json", ".jsonl", ".traj", ".eval")
BOOKKEEPING_ACTIONS = {"change_agent_state", "null", "system", "recall", "condensation"}


def test_detects_its_sample_and_no_other(samples_dir: Path) -> None:
    assert_detects_only_its_folder(OpenHands(), samples_dir, "openhands", CANDIDATES)


def test_not_confused_with_an_openai_messages_array(samples_dir: Path) -> None:
    chat = json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]).encode()
    assert not OpenHands().detect(chat, "chat.json")
    head = (samples_dir / SAMPLE).read_bytes()[: 64 * 1024]
    assert not OpenAIMessagesDocument().detect(head, "basic_gui_mode.json")


def test_detects_an_array_whose_first_event_is_longer_than_the_head() -> None:
    first = {
        "id": 0,
        "timestamp": "2025-01-01T00:00:00",
        "source": "agent",
        "action": "system",
        "args": {"content": "x" * 70_000},
    }
    head = json.dumps([first], indent=2).encode()[: 64 * 1024]
    assert OpenHands().detect(head, "trajectory.json")


def expected_counts(events: list[dict]) -> Counter:
    """What the file should give, by the rules in the module docstring."""
    counts: Counter = Counter(run=1)
    tool_actions = set()
    for event in events:
        action, args = event.get("action"), event.get("args", {})
        if action is None or action in BOOKKEEPING_ACTIONS:
            continue
        if action == "message":
            counts["message"] += 1 if args.get("content") else 0
        elif action == "think":
            counts["reasoning"] += 1
        else:
            counts["reasoning"] += 1 if args.get("thought") else 0
            counts["tool_call"] += 1
            tool_actions.add(event["id"])
    counts["tool_result"] = sum(1 for e in events if "observation" in e and e.get("cause") in tool_actions)
    return counts


def test_sample_counts_and_pairing(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    events = json.loads(path.read_text())
    result = read_file(path, OpenHands())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected_counts(events)
    records = result.records
    ids = [r.record_id for r in records]
    assert len(ids) == len(set(ids)) and not any("/" in i for i in ids)
    assert [r.seq for r in records] == list(range(-1, len(records) - 1))
    by_id = {r.record_id: r for r in records}
    for observation in (e for e in events if "observation" in e):
        record = by_id.get(f"{records[0].run_id}:{observation['id']}")
        if record is None:
            continue
        assert record.kind == "tool_result"
        call = by_id[record.parent_id]
        assert call.kind == "tool_call" and call.record_id.endswith(f":{observation['cause']}")
        assert call.tool_call_id == record.tool_call_id


def test_tool_call_fields_come_from_the_model_response(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    events = json.loads(path.read_text())
    action = next(e for e in events if e.get("action") == "run")
    meta = action["tool_call_metadata"]
    sent = meta["model_response"]["choices"][0]["message"]["tool_calls"][0]
    records = read_file(path, OpenHands()).records
    call = next(r for r in records if r.kind == "tool_call")
    assert call.tool_name == meta["function_name"] == "execute_bash"
    assert (
        json.loads(call.tool_args)
        == json.loads(sent["function"]["arguments"])
        == {"command": "mkdir -p /workspace/todo-app"}
    )
    assert call.tool_call_id == meta["tool_call_id"]
    assert call.model == meta["model_response"]["model"] == "claude-3-5-sonnet-20241022"
    assert call.ts_start == "2025-01-20T20:29:35.040676+00:00"
    assert call.ts_end == "2025-01-20T20:29:35.699033+00:00"
    thought = next(r for r in records if r.kind == "reasoning")
    assert thought.text == action["args"]["thought"]


def test_tokens_are_counted_once_per_model_response(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    usages = {}
    for event in json.loads(path.read_text()):
        response = (event.get("tool_call_metadata") or {}).get("model_response")
        if response and "action" in event:
            usages[response["id"]] = response["usage"]
    steps = [r for r in read_file(path, OpenHands()).records if r.kind != "run"]
    assert sum(r.tokens_in or 0 for r in steps) == sum(u["prompt_tokens"] for u in usages.values())
    assert sum(r.tokens_out or 0 for r in steps) == sum(u["completion_tokens"] for u in usages.values())
    assert sum(r.tokens_cache_write or 0 for r in steps) == sum(
        u["cache_creation_input_tokens"] for u in usages.values()
    )
    first = next(r for r in steps if r.tokens_in is not None)
    assert (first.tokens_in, first.tokens_out, first.tokens_cache_read, first.tokens_cache_write) == (
        3439,
        104,
        0,
        3435,
    )


def test_errors_and_messages(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    events = {e["id"]: e for e in json.loads(path.read_text())}
    records = read_file(path, OpenHands()).records
    results = {r.record_id.rsplit(":", 1)[-1]: r for r in records if r.kind == "tool_result"}
    for event_id, result in results.items():
        code = events[int(event_id)]["extras"].get("metadata", {}).get("exit_code")
        assert result.is_error == (code not in (None, 0)), event_id
    assert results["14"].is_error and not results["8"].is_error
    run = records[0]
    assert run.text == events[4]["args"]["content"]
    assert (run.ts_start, run.ts_end) == ("2025-01-20T20:29:13.519638+00:00", "2025-01-20T20:30:35.429675+00:00")
    messages = [r for r in records if r.kind == "message"]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[-1].text == events[15]["args"]["content"]


def test_malformed_input_becomes_rejects(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(
        '[\n  {"id": 0, "source": "user", "action": "message", "args": {"content": "hi"}},\n  {oops}\n]\n'
    )
    result = read_file(broken, OpenHands())
    assert result.records == [] and [r.source_line for r in result.rejects] == [3]

    partly = tmp_path / "partly.json"
    events = [
        {"id": 0, "timestamp": "2025-01-01T00:00:00", "source": "user", "action": "message", "args": {"content": "hi"}},
        42,
        {"id": 2, "timestamp": "2025-01-01T00:00:01", "source": "agent", "action": "run", "args": {"command": "ls"}},
        {
            "id": 3,
            "timestamp": "2025-01-01T00:00:02",
            "source": "agent",
            "observation": "error",
            "cause": 2,
            "content": "boom",
            "extras": {},
        },
    ]
    partly.write_text(json.dumps(events))
    result = read_file(partly, OpenHands())
    assert len(result.rejects) == 1 and "element 1" in result.rejects[0].reason
    assert [r.kind for r in result.records] == ["run", "message", "tool_call", "tool_result"]
    call, error = result.records[2], result.records[3]
    assert (call.tool_name, json.loads(call.tool_args)) == ("run", {"command": "ls"})
    assert error.is_error is True and error.text == "boom" and error.parent_id == call.record_id


def test_finish_is_a_tool_call_and_keeps_its_final_message(tmp_path: Path) -> None:
    arguments = '{"message": "The app is ready.", "task_completed": "true"}'
    response = {
        "id": "resp-9",
        "model": "anthropic/claude-sonnet-4",
        "choices": [
            {"message": {"tool_calls": [{"id": "toolu_9", "function": {"name": "finish", "arguments": arguments}}]}}
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 7},
    }
    events = [
        {
            "id": 0,
            "timestamp": "2025-01-01T00:00:00",
            "source": "user",
            "action": "message",
            "args": {"content": "Build it"},
        },
        {
            "id": 1,
            "timestamp": "2025-01-01T00:00:05",
            "source": "agent",
            "action": "finish",
            "message": "All done! What's next on the agenda?",
            "args": {
                "final_thought": "The app is ready.",
                "task_completed": "true",
                "outputs": {},
                "thought": "Wrap up.",
            },
            "tool_call_metadata": {"function_name": "finish", "tool_call_id": "toolu_9", "model_response": response},
        },
        {"id": 2, "timestamp": "2025-01-01T00:00:06", "source": "environment", "observation": "agent_state_changed"},
    ]
    path = tmp_path / "finished.json"
    path.write_text(json.dumps(events))
    result = read_file(path, OpenHands())
    assert result.rejects == []
    run_id = result.records[0].run_id
    assert [(r.kind, r.record_id.removeprefix(run_id)) for r in result.records] == [
        ("run", ":run"),
        ("message", ":0"),
        ("reasoning", ":1:thought"),
        ("tool_call", ":1:call"),
        ("message", ":1"),
    ]
    thought, call, final = result.records[2:]
    assert (call.tool_name, call.tool_call_id, json.loads(call.tool_args)) == (
        "finish",
        "toolu_9",
        {"message": "The app is ready.", "task_completed": "true"},
    )
    assert (call.model, call.parent_id) == ("claude-sonnet-4", result.records[0].record_id)
    assert (final.role, final.text) == ("assistant", "The app is ready.")
    assert (thought.text, thought.tokens_in, thought.tokens_out) == ("Wrap up.", 50, 7)  # usage once, on the first


def test_events_of_odd_shapes_are_records_or_rejects(tmp_path: Path) -> None:
    events = [
        {"timestamp": "2025-01-01T00:00:00", "source": "agent", "action": "run", "args": {"command": "ls"}},
        {"id": 5, "source": "environment", "observation": "run", "content": "a.py", "cause": 0},
        {"id": 6, "source": "environment", "observation": "browse", "content": "<html>", "extras": {}},
        {"id": 7, "source": "environment", "observation": ["run"]},
        {"id": 8, "source": "user", "action": "message", "args": {"content": "thanks"}},
        {"id": 9, "source": "environment", "observation": "run", "cause": 8, "content": "echo"},
    ]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(events))
    result = read_file(path, OpenHands())
    assert [r.reason for r in result.rejects] == ["element 3: an observation of no known kind (list)"]
    run_id = result.records[0].run_id
    by_id = {r.record_id.removeprefix(run_id + ":"): r for r in result.records}
    assert by_id["e0"].kind == "tool_call" and by_id["e0"].ts_start == "2025-01-01T00:00:00+00:00"
    # An observation answering no action of the file is a result of its own, under the run.
    assert (by_id["6"].kind, by_id["6"].tool_name, by_id["6"].text, by_id["6"].parent_id) == (
        "tool_result",
        "browse",
        "<html>",
        result.records[0].record_id,
    )
    assert "9" not in by_id  # it answers a message: nothing to show
