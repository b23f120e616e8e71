"""The shared guards of parsing: no parser or detector can crash a load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from logviz_assets import formats
from logviz_assets.formats.base import DocumentFormat, FileContext, Item
from logviz_assets.load.file_read import read_file
from logviz_assets.record import Record


class HalfBroken(DocumentFormat):
    """Gives one record, then trips over content it did not expect."""

    name = "half-broken"

    def detect(self, head: bytes, path: str) -> bool:
        return True

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        yield Record(record_id="r1", run_id="run", kind="message", source_format=self.name, text="kept")
        raise KeyError("missing field")


class Tripping(DocumentFormat):
    name = "tripping"

    def detect(self, head: bytes, path: str) -> bool:
        raise ValueError("odd bytes")

    def parse_document(self, data: bytes, ctx: FileContext) -> Iterator[Item]:
        yield from ()


def test_a_parser_that_trips_keeps_its_records_and_gives_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text("{}")
    result = read_file(path, HalfBroken())
    assert [r.text for r in result.records] == ["kept"]
    assert len(result.rejects) == 1
    assert result.rejects[0].source_file == str(path)
    assert "KeyError" in result.rejects[0].reason


def test_a_detector_that_trips_says_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "FORMATS", (Tripping(), *formats.FORMATS))
    head = b'{"role": "user", "content": "hi"}\n'
    assert formats.detect_format(head, "m.jsonl").name == "openai-messages"
