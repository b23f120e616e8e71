"""Progress reports (logviz_assets/progress.py): rates, time left, and how often a meter reports."""

from __future__ import annotations

import pytest

from logviz_assets import progress as progress_module
from logviz_assets.progress import Progress, ProgressMeter, message


def test_a_counted_report_knows_its_rate_and_time_left() -> None:
    report = Progress("embedded 30/120 texts", stage="embed", done=30, total=120, unit="texts", seconds=3.0)
    assert str(report) == "embedded 30/120 texts"
    assert report.rate == pytest.approx(10.0)
    assert report.seconds_left == pytest.approx(9.0)
    assert report.metadata() == {
        "stage": "embed",
        "done": 30,
        "total": 120,
        "unit": "texts",
        "seconds": 3.0,
        "rate_per_second": 10.0,
        "seconds_left": 9.0,
        "message": "embedded 30/120 texts",
    }


def test_before_any_work_there_is_no_rate_to_guess_from() -> None:
    assert Progress("start", done=0, total=50, seconds=2.0).rate is None
    assert Progress("start", done=0, total=50, seconds=2.0).seconds_left is None
    assert not message("fitting a layout").counted
    assert message("fitting a layout").metadata()["rate_per_second"] is None


def test_a_meter_reports_the_start_the_end_and_once_a_second_between(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: clock[0])
    sent: list[Progress] = []
    meter = ProgressMeter(sent.append, "load", 10, "files", lambda done, total: f"read {done}/{total} files")
    for _ in range(4):  # four files within the same second: no report
        clock[0] += 0.2
        meter.advance()
    clock[0] += 0.3  # 1.1 s after the first report
    meter.advance()
    for _ in range(5):
        meter.advance()  # the last reaches the total: reported although no second has passed
    assert [(p.done, p.message) for p in sent] == [
        (0, "read 0/10 files"),
        (5, "read 5/10 files"),
        (10, "read 10/10 files"),
    ]
    assert all(p.stage == "load" and p.unit == "files" and p.total == 10 for p in sent)
    assert sent[1].seconds == pytest.approx(1.1) and sent[1].rate == pytest.approx(5 / 1.1)
