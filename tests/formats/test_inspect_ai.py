"""Inspect AI eval logs (.json and .eval), checked against what the files hold."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from logviz_assets.formats.inspect_ai import InspectAI, prompt_tokens
from logviz_assets.load.file_read import read_file
from tests.helpers.formats import assert_detects_only_its_folder

JSON_LOG = Path("inspect-ai") / "2025-05-12T20-27-36-04-00_browser.json"
EVAL_LOG = Path("inspect-ai") / "2025-02-11T15-18-04-05-00_popularity_mj7khqpMM4GBCfVQozKgzB.eval"
CANDIDATES = (".json", ".jsonl", ".traj", ".eval")


def utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


def resolved(value, attachments: dict):
    if isinstance(value, str) and value.startswith("attachment://"):
        return attachments[value.removeprefix("attachment://")]
    return value


def expected_counts(samples: list[dict]) -> Counter:
    counts: Counter = Counter(run=len(samples))
    for sample in samples:
        for message in sample["messages"]:
            if message["role"] == "tool":
                counts["tool_result"] += 1
                continue
            content = message["content"]
            if isinstance(content, str):
                counts["message"] += 1 if content.strip() else 0
            else:
                counts["message"] += 1 if any(p.get("type") == "text" and p["text"].strip() for p in content) else 0
                counts["reasoning"] += sum(1 for p in content if p.get("type") == "reasoning")
            counts["tool_call"] += len(message.get("tool_calls") or [])
    return +counts


def eval_samples(path: Path) -> tuple[dict, list[dict]]:
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("header.json"))
        names = sorted(n for n in archive.namelist() if n.startswith("samples/"))
        return header, [json.loads(archive.read(n)) for n in names]


def test_detects_its_samples_and_no_other(samples_dir: Path) -> None:
    assert_detects_only_its_folder(InspectAI(), samples_dir, "inspect-ai", CANDIDATES)


def test_json_log_counts_and_run(samples_dir: Path) -> None:
    path = samples_dir / JSON_LOG
    log = json.loads(path.read_text())
    sample = log["samples"][0]
    result = read_file(path, InspectAI())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected_counts(log["samples"])
    run = result.records[0]
    assert run.kind == "run" and run.seq == -1
    assert run.run_id == f"inspect-ai:{log['eval']['eval_id']}:{sample['id']}:{sample['epoch']}"
    assert run.text == sample["input"]
    assert f"{run.provider}/{run.model}" == log["eval"]["model"] == "openai/gpt-4o-mini"
    usage = sample["model_usage"]["openai/gpt-4o-mini"]
    assert (run.tokens_in, run.tokens_out, run.tokens_cache_read) == (
        usage["input_tokens"],
        usage["output_tokens"],
        usage["input_tokens_cache_read"],
    )
    assert run.tokens_in == 15235
    assert json.loads(run.raw)["scores"]["includes"]["value"] == sample["scores"]["includes"]["value"] == "C"
    assert run.project == "browser" and run.is_error is False
    ids = [r.record_id for r in result.records]
    assert len(ids) == len(set(ids)) and not any("/" in i for i in ids)
    assert not any((r.text or "").startswith("attachment://") for r in result.records)


def test_json_log_tool_calls_results_and_usage(samples_dir: Path) -> None:
    path = samples_dir / JSON_LOG
    sample = json.loads(path.read_text())["samples"][0]
    attachments = sample["attachments"]
    records = read_file(path, InspectAI()).records
    calls = [r for r in records if r.kind == "tool_call"]
    sent = [c for m in sample["messages"] for c in m.get("tool_calls") or []]
    assert [(c.tool_call_id, c.tool_name, json.loads(c.tool_args)) for c in calls] == [
        (c["id"], c["function"], c["arguments"]) for c in sent
    ]
    assert (calls[0].tool_name, json.loads(calls[0].tool_args)) == (
        "web_browser_go",
        {"url": "https://www.aisi.gov.uk/"},
    )
    tool_event = next(e for e in sample["events"] if e["event"] == "tool")
    assert calls[0].ts_start == utc(tool_event["timestamp"]) == "2025-05-13T00:27:39.762878+00:00"
    results = [r for r in records if r.kind == "tool_result"]
    tool_messages = [m for m in sample["messages"] if m["role"] == "tool"]
    assert [r.text for r in results] == [resolved(m["content"], attachments) for m in tool_messages]
    assert [r.parent_id for r in results] == [c.record_id for c in calls]
    assert [r.is_error for r in results] == [bool(m.get("error")) for m in tool_messages]
    model_usages = [e["output"]["usage"] for e in sample["events"] if e["event"] == "model"]
    steps = [r for r in records if r.kind != "run"]
    assert sum(r.tokens_in or 0 for r in steps) == sum(u["input_tokens"] for u in model_usages)
    assert sum(r.tokens_out or 0 for r in steps) == sum(u["output_tokens"] for u in model_usages)
    assert len([r for r in steps if r.tokens_in is not None]) == len(model_usages)
    final = records[-1]
    assert final.kind == "message" and final.role == "assistant"
    assert final.text == sample["output"]["choices"][0]["message"]["content"]


def test_eval_zip_one_run_per_sample(samples_dir: Path) -> None:
    path = samples_dir / EVAL_LOG
    header, samples = eval_samples(path)
    result = read_file(path, InspectAI())
    assert result.rejects == []
    assert Counter(r.kind for r in result.records) == expected_counts(samples)
    runs = {r.run_id: r for r in result.records if r.kind == "run"}
    assert len(runs) == len(samples) == 10
    for sample in samples:
        run_id = f"inspect-ai:{header['eval']['run_id']}-{header['eval']['task_id']}:{sample['id']}:{sample['epoch']}"
        run = runs[run_id]
        usage = sample["model_usage"]["openai/gpt-4o-mini"]
        assert run.text == sample["input"]
        assert (run.tokens_in, run.tokens_out) == (usage["input_tokens"], usage["output_tokens"])
        assert (run.model, run.provider) == ("gpt-4o-mini", "openai")
        steps = [r for r in result.records if r.run_id == run_id and r.kind != "run"]
        assert [(r.role, r.text) for r in steps] == [(m["role"], m["content"]) for m in sample["messages"]]
        assert [r.seq for r in steps] == list(range(len(steps)))
        answer = steps[-1]
        assert (answer.tokens_in, answer.tokens_out) == (usage["input_tokens"], usage["output_tokens"])


def test_prompt_tokens_count_cache_the_same_across_providers() -> None:
    openai_style = {"input_tokens": 1568, "output_tokens": 17, "total_tokens": 1585, "input_tokens_cache_read": 1024}
    anthropic_style = {
        "input_tokens": 10,
        "output_tokens": 5,
        "total_tokens": 215,
        "input_tokens_cache_read": 150,
        "input_tokens_cache_write": 50,
    }
    assert prompt_tokens(openai_style) == 1568
    assert prompt_tokens(anthropic_style) == 210


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_broken_zip_member_is_rejected_by_name(samples_dir: Path, tmp_path: Path) -> None:
    header, samples = eval_samples(samples_dir / EVAL_LOG)
    path = tmp_path / "broken.eval"
    path.write_bytes(
        _zip(
            {
                "header.json": json.dumps(header).encode(),
                "samples/1_epoch_1.json": json.dumps(samples[0]).encode(),
                "samples/2_epoch_1.json": b'{"id": 2, "epoch": 1,\n "messages": [oops',
            }
        )
    )
    assert InspectAI().detect(path.read_bytes()[: 64 * 1024], str(path))
    result = read_file(path, InspectAI())
    assert len(result.rejects) == 1
    assert result.rejects[0].reason.startswith("samples/2_epoch_1.json: invalid JSON")
    assert result.rejects[0].source_format == "inspect-ai"
    assert Counter(r.kind for r in result.records) == expected_counts(samples[:1])

    truncated = tmp_path / "truncated.eval"
    truncated.write_bytes((samples_dir / EVAL_LOG).read_bytes()[:600])
    result = read_file(truncated, InspectAI())
    assert result.records == [] and len(result.rejects) == 1 and "ZIP" in result.rejects[0].reason


def test_broken_json_log_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text('{\n  "version": 2,\n  "eval": {"task": "t", "model": "m"},\n  "samples": [oops]\n}\n')
    result = read_file(path, InspectAI())
    assert result.records == [] and [r.source_line for r in result.rejects] == [4]
