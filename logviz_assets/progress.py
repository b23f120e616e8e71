"""How far a long operation has got: what Load and Index tell whoever watches them.

The operations take a `progress` callable and hand it `Progress` values. Printed, a value is its
message, so `print` or a logger serve as callables; Dagster's wiring also turns the counted ones
into asset observations, which the API reads to show a run's progress (files read, texts
embedded of the total, rate, time left).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    """One report: a message, and for counted work how much of how much is done, since when."""

    message: str
    stage: str = ""
    done: int | None = None
    total: int | None = None
    unit: str = ""
    seconds: float = 0.0  # since the counted work began

    def __str__(self) -> str:
        return self.message

    @property
    def counted(self) -> bool:
        return self.done is not None and self.total is not None

    @property
    def rate(self) -> float | None:
        """Units a second so far; None before there is anything to divide."""
        if not self.counted or self.seconds <= 0 or not self.done:
            return None
        return self.done / self.seconds

    @property
    def seconds_left(self) -> float | None:
        """At the rate so far, until `total`; None while no rate is known."""
        rate = self.rate
        if rate is None or self.total is None or self.done is None:
            return None
        return max(0.0, (self.total - self.done) / rate)

    def metadata(self) -> dict[str, Any]:
        """The plain values of a counted report (what an observation of it carries)."""
        rate, left = self.rate, self.seconds_left
        return {
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "unit": self.unit,
            "seconds": round(self.seconds, 3),
            "rate_per_second": round(rate, 1) if rate is not None else None,
            "seconds_left": round(left, 1) if left is not None else None,
            "message": self.message,
        }


ProgressCallback = Callable[[Progress], None]


class ProgressMeter:
    """Counts work done of a known total and reports it now and then (at most every `every`
    seconds, plus the start and the end), so a load of 10,000 small files logs a line a second,
    not one a file."""

    def __init__(
        self, report: ProgressCallback, stage: str, total: int, unit: str, describe: Callable[[int, int], str]
    ) -> None:
        self.report, self.stage, self.total, self.unit, self.describe = report, stage, total, unit, describe
        self.started = time.perf_counter()
        self.last = 0.0
        self.done = 0
        self.every = 1.0
        self._send()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done >= self.total or time.perf_counter() - self.last >= self.every:
            self._send()

    def _send(self) -> None:
        self.last = time.perf_counter()
        self.report(
            Progress(
                self.describe(self.done, self.total),
                stage=self.stage,
                done=self.done,
                total=self.total,
                unit=self.unit,
                seconds=self.last - self.started,
            )
        )


def message(text: str, stage: str = "") -> Progress:
    """A report that counts nothing: a step begun or ended."""
    return Progress(text, stage=stage)
