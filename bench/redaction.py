"""Redaction speed and what it finds, on the texts of real logs.

    python bench/redaction.py [--root ../shared/samples] [--rounds 5]

The files below `--root` (default: the shared samples; a generated corpus works too) are
parsed with the Load's own reader (`load.file_read.read_file`), and every record's
content fields (`redact.RECORD_FIELDS`: text, tool arguments, raw event) are redacted
in each mode. Reported, best of `--rounds`:

1. texts/s and MB/s for only iterating over the texts, and for redacting them, per mode
   (and with the `re` prefilter that is used when RE2 is not installed), with the
   redaction time as a share of the time it took to parse the same files: the Load
   (parse plus store) must keep 85% of its speed, so this share must stay well under 18%;
2. the share of records that had something replaced, and the hits per rule.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SAMPLES, print_load, print_machine, table


def parsed(root: Path) -> tuple[list, float]:
    """Every record below `root`, and the seconds the Load's reader took to parse them."""
    from logviz_assets.load.file_read import read_file
    from logviz_assets.load.source import scan

    paths = [Path(found.path) for found in scan([root])]
    started = time.perf_counter()
    records = [record for path in paths for record in read_file(path).records]
    return records, time.perf_counter() - started


def best_of(rounds: int, work) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=SAMPLES)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from logviz_assets.redact import RECORD_FIELDS, Mode, Redactor

    print_machine("redaction")
    records, parse_s = parsed(args.root)
    texts = [value for record in records for name in RECORD_FIELDS if (value := getattr(record, name))]
    size_mb = sum(len(text) for text in texts) / 1e6
    print(f"{len(records):,} records, {len(texts):,} texts, {size_mb:.1f} MB of text below {args.root}")
    print(f"parsing them (read_file): {parse_s:.3f} s, {len(records) / parse_s:,.0f} records/s\n")

    def iterate() -> None:
        for text in texts:
            len(text)

    variants = [
        ("iterate only", None),
        ("secrets, RE2 prefilter", Redactor(Mode.SECRETS)),
        ("secrets, re prefilter", Redactor(Mode.SECRETS, use_re2=False)),
        ("secrets+pii, RE2 prefilter", Redactor(Mode.SECRETS_AND_PII)),
    ]
    rows = []
    for label, redactor in variants:
        if redactor is not None and redactor.engine != ("re" if "re prefilter" in label else "re2"):
            continue  # RE2 not installed: its rows would repeat the `re` one
        seconds = best_of(args.rounds, iterate if redactor is None else lambda r=redactor: [r.redact(t) for t in texts])
        share = f"{seconds / parse_s:.1%}" if redactor is not None else ""
        rows.append((label, len(texts) / seconds, size_mb / seconds, seconds * 1e6 / len(texts), share))
    table(["pass over the texts", "texts/s", "MB/s", "µs/text", "of parse time"], rows, "1. Speed")

    for mode in (Mode.SECRETS, Mode.SECRETS_AND_PII):
        redactor = Redactor(mode)
        touched = 0
        hits: Counter[str] = Counter()
        for record in records:
            _, found = redactor.redact_fields(record)
            touched += bool(found)
            hits.update(found)
        print(f"{mode.value}: {touched:,} of {len(records):,} records redacted ({touched / max(len(records), 1):.2%})")
        table(["rule", "hits"], sorted(hits.items(), key=lambda item: -item[1]) or [("(none)", 0)], f"2. Hits, {mode}")
    print_load()


if __name__ == "__main__":
    main()
