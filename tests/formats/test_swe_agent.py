"""SWE-agent and mini-SWE-agent trajectories, checked against what the files hold."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from logviz_assets.formats.swe_agent import SweAgent
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder

SAMPLE = Path("swe-agent") / "pydicom__pydicom-1458.traj"
CANDIDATES = (".json", ".jsonl", ".traj", ".eval")


def test_detects_its_sample_and_no_other(samples_dir: Path) -> None:
    assert_detects_only_its_folder(SweAgent(), samples_dir, "swe-agent", CANDIDATES)


def test_sample_counts_match_the_trajectory(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    doc = json.loads(path.read_text())
    steps = doc["trajectory"]
    expected = Counter(
        run=1,
        reasoning=sum(1 for s in steps if s["thought"].strip()),
        tool_call=sum(1 for s in steps if s["action"].strip()),
        tool_result=sum(1 for s in steps if s["action"].strip()),
    )
    result = read_file(path, SweAgent())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected
    ids = [r.record_id for r in result.records]
    assert len(ids) == len(set(ids)) and not any("/" in i for i in ids)
    assert [r.seq for r in result.records] == list(range(-1, len(result.records) - 1))
    assert {r.source_format for r in result.records} == {"swe-agent"}


def test_run_record_has_task_and_model_stats(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    doc = json.loads(path.read_text())
    stats = doc["info"]["model_stats"]
    task = next(m for m in doc["history"] if m["role"] == "user" and not m.get("is_demo"))["content"]
    run = read_file(path, SweAgent()).records[0]
    assert run.kind == "run" and run.parent_id is None
    assert run.text == task
    assert (run.tokens_in, run.tokens_out, run.cost_usd) == (
        stats["tokens_sent"],
        stats["tokens_received"],
        stats["instance_cost"],
    )
    assert (run.tokens_in, run.tokens_out) == (122612, 1369)
    assert run.model is None  # a v0 trajectory does not name its model
    assert run.project == "/pydicom__pydicom"
    assert json.loads(run.raw)["exit_status"] == doc["info"]["exit_status"]


def test_steps_become_thought_call_and_result(samples_dir: Path) -> None:
    path = samples_dir / SAMPLE
    steps = json.loads(path.read_text())["trajectory"]
    records = read_file(path, SweAgent()).records
    calls = [r for r in records if r.kind == "tool_call"]
    results = {r.parent_id: r for r in records if r.kind == "tool_result"}
    thoughts = [r for r in records if r.kind == "reasoning"]
    assert [json.loads(c.tool_args)["command"] for c in calls] == [s["action"].strip("\n") for s in steps]
    assert [c.tool_name for c in calls] == [s["action"].split()[0] for s in steps]
    assert calls[0].tool_name == "create" and json.loads(calls[0].tool_args) == {"command": "create reproduce_bug.py"}
    assert calls[-1].tool_name == "submit"
    assert [results[c.record_id].text for c in calls] == [s["observation"] for s in steps]
    assert [t.text for t in thoughts] == [s["thought"].strip() for s in steps]
    run_id = records[0].record_id
    assert all(t.parent_id == run_id for t in thoughts + calls)


def _mini(tmp_path: Path, messages: list, info: dict, name: str = "demo__demo-1.traj.json", **top) -> Path:
    path = tmp_path / name
    doc = {"info": info, "messages": messages, "trajectory_format": "mini-swe-agent-1", **top}
    path.write_text(json.dumps(doc, indent=2))
    return path


def _usage(prompt: int, completion: int, cached: int) -> dict:
    return {
        "model": "claude-sonnet-4-5-20250929",
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def test_mini_text_mode_pairs_bash_blocks_with_the_next_user_message(tmp_path: Path) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Fix the failing test in repo demo."},
        {
            "role": "assistant",
            "content": "THOUGHT: list the files first.\n\n```bash\nls -la\n```",
            "extra": {"response": _usage(1200, 40, 1000), "cost": 0.0021, "timestamp": 1750000000.5},
        },
        {"role": "user", "content": "<returncode>0</returncode>\n<output>\nsetup.py\n</output>"},
        {"role": "assistant", "content": "```bash\ncat missing.txt\n```"},
        {"role": "user", "content": "<returncode>1</returncode>\n<output>\nNo such file\n</output>"},
        {"role": "assistant", "content": "I cannot find it."},
        {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks."},
        {"role": "assistant", "content": "```bash\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\n```"},
        {"role": "user", "content": "diff --git a/x b/x"},
    ]
    info = {
        "exit_status": "Submitted",
        "submission": "diff --git a/x b/x",
        "model_stats": {"instance_cost": 0.05, "api_calls": 4},
        "mini_version": "1.0.0",
        "config": {"model": {"model_name": "anthropic/claude-sonnet-4-5-20250929"}},
    }
    path = _mini(tmp_path, messages, info)
    assert SweAgent().detect(path.read_bytes()[: 64 * 1024], str(path))
    result = read_file(path, SweAgent())
    assert result.rejects == []
    records = result.records
    assert [r.kind for r in records] == [
        "run",
        "reasoning",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "message",
        "message",
        "tool_call",
        "tool_result",
    ]
    run = records[0]
    assert run.text == "Fix the failing test in repo demo."
    assert (run.model, run.provider, run.cost_usd) == ("claude-sonnet-4-5-20250929", "anthropic", 0.05)
    assert run.run_id.startswith("swe-agent:demo__demo-1:")
    thought, first_call = records[1], records[2]
    assert thought.text == "THOUGHT: list the files first."
    assert (thought.tokens_in, thought.tokens_out, thought.tokens_cache_read, thought.cost_usd) == (
        1200,
        40,
        1000,
        0.0021,
    )
    assert thought.ts_start == "2025-06-15T15:06:40.500000+00:00"
    assert first_call.tokens_in is None
    assert json.loads(first_call.tool_args) == {"command": "ls -la"} and first_call.tool_name == "bash"
    results = [r for r in records if r.kind == "tool_result"]
    calls = [r for r in records if r.kind == "tool_call"]
    assert [r.parent_id for r in results] == [c.record_id for c in calls]
    assert [r.is_error for r in results] == [False, True, False]
    assert [(r.role, r.text) for r in records if r.kind == "message"] == [
        ("assistant", "I cannot find it."),
        ("user", "Please always provide EXACTLY ONE action in triple backticks."),
    ]


def test_mini_tool_call_mode_pairs_by_tool_call_id(tmp_path: Path) -> None:
    messages = [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "Count the files."},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "bash", "arguments": '{"command": "ls"}'}}
            ],
            "extra": {"actions": [{"command": "ls", "tool_call_id": "call_1"}], "timestamp": 1750000001.0},
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "oops", "extra": {"returncode": 2}},
        {"role": "exit", "content": "", "extra": {"exit_status": "Submitted"}},
    ]
    path = _mini(tmp_path, messages, {"model_stats": {"instance_cost": 0.01, "api_calls": 1}}, instance_id="x/y-1")
    records = read_file(path, SweAgent()).records
    assert [r.kind for r in records] == ["run", "reasoning", "tool_call", "tool_result"]
    call, result = records[2], records[3]
    assert (call.tool_call_id, call.tool_name, json.loads(call.tool_args)) == ("call_1", "bash", {"command": "ls"})
    assert result.parent_id == call.record_id and result.is_error is True and result.tool_name == "bash"
    assert not any("/" in r.record_id for r in records)


def test_minified_mini_trajectory_is_detected(tmp_path: Path) -> None:
    doc = {"info": {"model_stats": {"instance_cost": 0.0}}, "messages": [{"role": "user", "content": "hi"}]}
    head = (json.dumps(doc) + "\n").encode()
    assert SweAgent().detect(head, "run.traj.json")


def test_malformed_json_is_a_reject_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.traj"
    path.write_text('{\n  "trajectory": [\n    {"action": "ls", "observation": ""},\n    oops\n  ]\n}\n')
    result = read_file(path, SweAgent())
    assert result.records == []
    assert [(r.source_line, r.source_format) for r in result.rejects] == [(4, "swe-agent")]


def test_a_bad_step_is_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    path = tmp_path / "i-1.traj"
    steps = [
        {"thought": "t", "action": "ls\n", "observation": "a"},
        42,
        {"thought": "", "action": "pwd", "observation": "/"},
    ]
    path.write_text(json.dumps({"trajectory": steps, "history": [], "info": {}}))
    result = read_file(path, SweAgent())
    assert len(result.rejects) == 1 and "trajectory[1]" in result.rejects[0].reason
    assert Counter(r.kind for r in result.records) == Counter(run=1, reasoning=1, tool_call=2, tool_result=2)


def test_mini_reply_with_two_blocks_ran_nothing(tmp_path: Path) -> None:
    messages = [
        {"role": "system", "content": "system"},
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "```bash\nls\n```\nand\n```bash\npwd\n```"},
        {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks, found 2 actions."},
    ]
    records = read_file(_mini(tmp_path, messages, {"model_stats": {}}), SweAgent()).records
    assert [(r.kind, r.role) for r in records] == [("run", None), ("message", "assistant"), ("message", "user")]


def test_a_file_holding_only_a_history_is_a_run(tmp_path: Path) -> None:
    # As SWE-agent keeps demonstrations (trajectories/demonstrations/*.traj): the chat, in function-calling mode.
    def call(call_id: str, name: str, arguments: str) -> dict:
        return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}

    history = [
        {"role": "system", "content": "SETTING: ...", "agent": "main", "message_type": "system_prompt"},
        {"role": "user", "content": "Fix the SyntaxError.", "agent": "main", "message_type": "observation"},
        {
            "role": "assistant",
            "content": "Find the file.",
            "thought": "Find the file.",
            "action": "find_file missing_colon.py",
            "tool_calls": [call("call_1", "find_file", '{"file_name": "missing_colon.py"}')],
            "agent": "main",
            "message_type": "action",
        },
        {"role": "tool", "content": "Found 1 match", "tool_call_ids": ["call_1"], "message_type": "observation"},
        {"role": "assistant", "content": "Run it.", "thought": "Run it.", "action": "python x.py", "agent": "main"},
        {"role": "user", "content": "8.2", "agent": "main", "message_type": "observation"},
        {"role": "assistant", "content": "Done: the colon was missing.", "agent": "main", "message_type": "action"},
    ]
    path = tmp_path / "function_calling_simple.traj"
    path.write_text(json.dumps({"history": history}, indent=2))
    assert SweAgent().detect(path.read_bytes(), str(path))
    result = read_file(path, SweAgent())
    assert result.rejects == []
    records = result.records
    assert [(r.kind, r.role) for r in records] == [
        ("run", None),
        ("reasoning", "assistant"),
        ("tool_call", "assistant"),
        ("tool_result", "tool"),
        ("reasoning", "assistant"),
        ("tool_call", "assistant"),
        ("tool_result", "tool"),
        ("message", "assistant"),
    ]
    run = records[0]
    assert run.run_id.startswith("swe-agent:function_calling_simple:") and run.text == "Fix the SyntaxError."
    assert json.loads(run.raw)["history_only"] is True
    found, found_result = records[2], records[3]
    assert (found.tool_name, found.tool_call_id, json.loads(found.tool_args)) == (
        "find_file",
        "call_1",
        {"file_name": "missing_colon.py"},
    )
    assert (found_result.parent_id, found_result.text, found_result.tool_name) == (
        found.record_id,
        "Found 1 match",
        "find_file",
    )
    ran, output = records[5], records[6]
    assert (ran.tool_name, json.loads(ran.tool_args), output.parent_id, output.text) == (
        "python",
        {"command": "python x.py"},
        ran.record_id,
        "8.2",
    )
    assert records[-1].text == "Done: the colon was missing."
    assert [r.seq for r in records] == list(range(-1, len(records) - 1))
    assert len({r.record_id for r in records}) == len(records)
