"""The helpers every format shares: ids, value conversions, and turning bad input into rejects."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from logviz_assets.formats.base import FileContext, Item, guarded, object_line, typed_document
from logviz_assets.formats.common import chat_completion_usage, first_of, split_model, text_of
from logviz_assets.formats.genai_spans import add_span, read_values
from logviz_assets.formats.ids import (
    call_record_id,
    file_run_id,
    instance_run_id,
    path_digest,
    run_record_id,
    safe_id,
    tidied,
)
from logviz_assets.formats.span_model import Span, SpanFacts
from logviz_assets.record import Record, Reject

CTX = FileContext(source_file="/logs/a.json")


def drain(items: Iterator[Item]) -> tuple[list[Item], object]:
    """The items a generator gives, and what it returns."""
    given: list[Item] = []
    while True:
        try:
            given.append(next(items))
        except StopIteration as stop:
            return given, stop.value


def test_ids_never_hold_a_slash() -> None:
    assert safe_id("a/b/c") == "a_b_c"
    assert safe_id(12) == "12"
    assert call_record_id("fmt:run", "x/y") == "fmt:run:call:x_y"
    assert run_record_id("fmt:run") == "fmt:run:run"
    assert (
        instance_run_id("swe-agent", "org/repo-1", "/t/a.traj")
        == f"swe-agent:org_repo-1:{path_digest('/t/a.traj', 12)}"
    )


def test_file_run_ids_are_stable_and_differ_by_path() -> None:
    assert file_run_id("openhands", "/a.json") == file_run_id("openhands", "/a.json")
    assert file_run_id("openhands", "/a.json") != file_run_id("openhands", "/b.json")
    assert len(path_digest("/a.json")) == 16


def test_tidied_makes_texts_text_ids_safe_and_repeats_unique() -> None:
    first = Record(record_id="r/1", run_id="run/1", kind="message", source_format="f", text={"b": 1, "a": 2})
    again = Record(record_id="r_1", run_id="run/1", kind="message", source_format="f", tool_name=7)
    reject = Reject(source_file="f", source_line=None, reason="x")
    out = list(tidied([first, reject, again]))
    assert out[1] is reject
    assert (out[0].record_id, out[0].run_id, out[0].text) == ("r_1", "run_1", '{"a":2,"b":1}')
    assert (out[2].record_id, out[2].tool_name) == ("r_1~2", "7")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai/gpt-4o", ("gpt-4o", "openai")),
        ("a/b/c", ("b/c", "a")),
        ("claude", ("claude", None)),
        ("", (None, None)),
    ],
)
def test_split_model(name: str, expected: tuple[str | None, str | None]) -> None:
    assert split_model(name) == expected


def test_chat_completion_usage_prefers_anthropic_cache_reads() -> None:
    usage = {
        "prompt_tokens": 100,
        "completion_tokens": 5,
        "cache_read_input_tokens": 70,
        "prompt_tokens_details": {"cached_tokens": 80},
        "cache_creation_input_tokens": 3,
    }
    assert chat_completion_usage({"usage": usage}) == {
        "tokens_in": 100,
        "tokens_out": 5,
        "tokens_cache_read": 70,
        "tokens_cache_write": 3,
    }
    assert chat_completion_usage({"usage": {"prompt_tokens_details": {"cached_tokens": 80}}})["tokens_cache_read"] == 80
    assert set(chat_completion_usage({}).values()) == {None}


def test_first_of_and_text_of() -> None:
    assert first_of({"a": "", "b": None, "c": 0}, "a", "b", "c") == 0
    assert text_of('{"x": 1}') == '{"x": 1}'
    assert text_of({"x": 1}) == json.dumps({"x": 1})


def test_guarded_keeps_what_came_before_the_error() -> None:
    def build() -> Iterator[Item]:
        yield Record(record_id="r", run_id="run", kind="message", source_format="f")
        raise KeyError("missing")

    out = list(guarded(build, CTX, 3, "f", "unexpected shape", "excerpt"))
    assert [type(i).__name__ for i in out] == ["Record", "Reject"]
    assert (out[1].reason, out[1].source_line, out[1].excerpt) == (
        "unexpected shape: KeyError: 'missing'",
        3,
        "excerpt",
    )


def test_guarded_lets_other_errors_through() -> None:
    def build() -> Iterator[Item]:
        raise RuntimeError("not a shape problem")
        yield

    with pytest.raises(RuntimeError):
        list(guarded(build, CTX, None, "f", "unexpected shape"))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"a": ', "invalid JSON: Expecting value at column 7"),
        (b"[1, 2]", "expected a JSON object, got list"),
    ],
)
def test_object_line_rejects_what_is_not_an_object(line: bytes, reason: str) -> None:
    result = object_line(line, line, 4, CTX, "f")
    assert isinstance(result, Reject)
    assert (result.reason, result.source_line, result.excerpt) == (reason, 4, line.decode())
    assert object_line(b'{"a": 1}', b'{"a": 1}\n', 4, CTX, "f") == {"a": 1}


def test_object_line_with_a_strict_decoder_rejects_bad_utf8() -> None:
    result = object_line(b'{"a": "\xff"}', b'{"a": "\xff"}', 1, CTX, "f", json.loads)
    assert isinstance(result, Reject)
    assert result.reason.startswith("not UTF-8 text")


def test_typed_document() -> None:
    assert drain(typed_document(b"[1]", CTX, "f", list, "a list")) == ([], [1])
    given, value = drain(typed_document(b"{}", CTX, "f", list, "a list"))
    assert value is None and [r.reason for r in given] == ["expected a list, got dict"]
    given, value = drain(typed_document(b"[1", CTX, "f", list, "a list"))
    assert value is None and given[0].reason.startswith("invalid JSON")


def test_read_values_hands_on_each_value_and_counts_them() -> None:
    seen: list[tuple[object, int]] = []

    def take(value: object, line: int) -> Iterator[Item]:
        seen.append((value, line))
        return iter(())

    given, count = drain(read_values(b'{"a": 1}\n{broken\n{"b": 2}\n', CTX, "f", take))
    assert count == 2 and seen == [({"a": 1}, 1), ({"b": 2}, 3)]
    assert [(r.source_line, r.reason[:12]) for r in given] == [(2, "invalid JSON")]
    given, count = drain(read_values(b"\xff", CTX, "f", take))
    assert count == 0 and given[0].reason.startswith("not UTF-8 text")


def test_add_span_rejects_a_reason_or_a_shape_error() -> None:
    spans: list[Span] = []
    span = Span(trace_id="t", span_id="s", parent_id=None, facts=SpanFacts())
    assert list(add_span(lambda: span, spans, CTX, 1, "f", {}, "span")) == []
    [said] = add_span(lambda: "span without an id", spans, CTX, 2, "f", {"x": 1}, "span")
    [tripped] = add_span(lambda: {}["id"], spans, CTX, 3, "f", {"x": 1}, "span")
    assert spans == [span]
    assert (said.reason, said.excerpt) == ("span without an id", '{"x":1}')
    assert tripped.reason == "unexpected span shape: KeyError: 'id'"
