"""LangSmith runs, checked against what the sample ingest payload holds, and synthetic run exports."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from logviz_assets.formats.langsmith import LangSmith
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder

SAMPLE = "langsmith_js_wrap_openai_default.json"


def ms_iso(millis: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)).isoformat()


def test_sample_counts_match_the_payload(samples_dir: Path) -> None:
    path = samples_dir / "langsmith" / SAMPLE
    payload = json.loads(path.read_text())
    types = Counter(run["run_type"] for run in payload["post"])
    expected = Counter(
        {
            "run": len({run["trace_id"] for run in payload["post"]}),
            "llm_call": types["llm"],
            "tool_call": types["tool"],
            "tool_result": types["tool"],
        }
    )
    result = read_file(path, LangSmith())
    assert result.format_name == "langsmith"
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == +expected


def test_sample_fields_merge_the_patch(samples_dir: Path) -> None:
    path = samples_dir / "langsmith" / SAMPLE
    payload = json.loads(path.read_text())
    post, patch = payload["post"][0], payload["patch"][0]
    assert patch["dotted_order"] == post["dotted_order"]  # the patch carries no id: matched by dotted order
    records = read_file(path, LangSmith()).records
    run = next(r for r in records if r.kind == "run")
    llm = next(r for r in records if r.kind == "llm_call")
    usage = patch["outputs"]["usage_metadata"]
    assert run.run_id == f"langsmith:{post['trace_id']}"
    assert run.text == post["inputs"]["messages"][-1]["content"]
    assert run.project == post["session_name"]
    assert (llm.ts_start, llm.ts_end) == (ms_iso(post["start_time"]), ms_iso(patch["end_time"]))
    assert llm.text == patch["outputs"]["choices"][0]["message"]["content"]
    assert llm.model == patch["outputs"]["model"]
    assert llm.provider == post["extra"]["metadata"]["ls_provider"]
    assert (llm.tokens_in, llm.tokens_out) == (usage["input_tokens"], usage["output_tokens"])
    assert llm.tokens_cache_read == usage["input_token_details"]["cache_read"]
    assert (llm.parent_id, llm.seq, run.seq) == (run.record_id, 0, -1)
    assert llm.is_error is False


def test_detect_says_no_to_every_other_sample(samples_dir: Path) -> None:
    assert_detects_only_its_folder(LangSmith(), samples_dir, "langsmith")


ROOT = "11111111-1111-1111-1111-111111111111"


def run(run_id: str, run_type: str, parent: str | None, start: str, **fields) -> dict:
    return {
        "id": run_id,
        "name": fields.pop("name", run_type),
        "run_type": run_type,
        "trace_id": ROOT,
        "parent_run_id": parent,
        "start_time": f"2025-03-01T12:00:{start}",
        "end_time": f"2025-03-01T12:00:{start}",
        "session_name": "my-project",
        "inputs": {},
        "outputs": {},
        **fields,
    }


def human(text: str) -> dict:
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "HumanMessage"],
        "kwargs": {"content": text, "type": "human"},
    }


RUNS = [
    run(ROOT, "chain", None, "00", name="AgentExecutor", inputs={"input": "What is 2+2?"}, outputs={"output": "4"}),
    run("22222222-2222-2222-2222-222222222222", "chain", ROOT, "01", name="RunnableSequence"),
    run(
        "33333333-3333-3333-3333-333333333333",
        "llm",
        "22222222-2222-2222-2222-222222222222",
        "02",
        name="ChatAnthropic",
        inputs={"messages": [[human("What is 2+2?")]]},
        outputs={
            "generations": [
                [
                    {
                        "text": "",
                        "message": {
                            "lc": 1,
                            "type": "constructor",
                            "id": ["langchain", "schema", "messages", "AIMessage"],
                            "kwargs": {
                                "content": "",
                                "tool_calls": [{"name": "calculator", "args": {"expr": "2+2"}, "id": "toolu_1"}],
                            },
                        },
                    }
                ]
            ],
            "llm_output": {"model": "claude-3-5-sonnet"},
        },
        extra={"metadata": {"ls_provider": "anthropic", "ls_model_name": "claude-3-5-sonnet-latest"}},
        usage_metadata={
            "input_tokens": 120,
            "output_tokens": 30,
            "input_token_details": {"cache_read": 100, "cache_creation": 0},
        },
    ),
    run(
        "44444444-4444-4444-4444-444444444444",
        "tool",
        ROOT,
        "03",
        name="calculator",
        inputs={"input": "{'expr': '2+2'}"},
        outputs=None,
        error="ZeroDivisionError: no",
    ),
]


def test_jsonl_of_runs(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RUNS) + "\n")
    assert LangSmith().detect(path.read_bytes(), str(path))
    result = read_file(path, LangSmith())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == Counter(run=1, llm_call=1, tool_call=1, tool_result=1)
    records = {r.record_id: r for r in result.records}
    trace = f"langsmith:{ROOT}"
    root = records[f"{trace}:run"]
    assert (root.text, root.agent_name, root.project, root.source_line) == (
        "What is 2+2?",
        "AgentExecutor",
        "my-project",
        1,
    )
    llm = records[f"{trace}:33333333-3333-3333-3333-333333333333"]
    assert llm.parent_id == root.record_id  # the nested chain gives no record: the run record is next
    assert (llm.text, llm.model, llm.provider) == ('calculator({"expr":"2+2"})', "claude-3-5-sonnet", "anthropic")
    assert (llm.tokens_in, llm.tokens_out, llm.tokens_cache_read, llm.source_line) == (120, 30, 100, 3)
    call = records[f"{trace}:44444444-4444-4444-4444-444444444444"]
    failed = records[f"{trace}:44444444-4444-4444-4444-444444444444:result"]
    assert (call.tool_name, call.tool_args, call.seq) == ("calculator", json.dumps("{'expr': '2+2'}"), 1)
    assert (failed.is_error, failed.text, failed.parent_id) == (True, "ZeroDivisionError: no", call.record_id)
    assert call.ts_start == "2025-03-01T12:00:03+00:00"


def test_post_patch_by_id_child_runs_and_rejects(tmp_path: Path) -> None:
    root, llm = dict(RUNS[0]), dict(RUNS[2])
    root["child_runs"] = [dict(RUNS[3], trace_id=None, parent_run_id=None)]
    llm_post = {k: v for k, v in llm.items() if k not in ("outputs", "end_time", "usage_metadata")}
    llm_post["parent_run_id"] = ROOT
    llm_patch = {
        "id": llm["id"],
        "trace_id": ROOT,
        "outputs": llm["outputs"],
        "end_time": "2025-03-01T12:00:09",
        "extra": {"metadata": {"usage_metadata": llm["usage_metadata"]}},
    }
    orphan = {"trace_id": ROOT, "dotted_order": "20250301T120000000000Zunknown", "outputs": {}}
    path = tmp_path / "batch.jsonl"
    path.write_text(
        json.dumps({"post": [root, llm_post], "patch": []})
        + "\n"
        + "{not json\n"
        + json.dumps({"post": [], "patch": [llm_patch, orphan]})
        + "\n"
    )
    result = read_file(path, LangSmith())
    assert [(r.source_line, r.reason[:12]) for r in result.rejects] == [(2, "invalid JSON"), (3, "a patch matc")]
    assert Counter(r.kind for r in result.records) == Counter(run=1, llm_call=1, tool_call=1, tool_result=1)
    records = {r.record_id: r for r in result.records}
    merged = records[f"langsmith:{ROOT}:{llm['id']}"]
    assert (merged.tokens_in, merged.ts_end) == (120, "2025-03-01T12:00:09+00:00")
    assert merged.provider == "anthropic"  # the patch's extra is merged into the post's, not put in its place
    child = records[f"langsmith:{ROOT}:{RUNS[3]['id']}"]
    assert child.run_id == f"langsmith:{ROOT}" and child.parent_id == f"langsmith:{ROOT}:run"
