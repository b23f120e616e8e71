"""Load throughput, and an incremental Load of one grown file in a small and a large corpus.

    python bench/load.py [--records 100000] [--small-files 10] [--large-files 10000]

1. Load (`load.operation.load` into a fresh RecordStore) of the real Claude Code samples as
   they are, and of a generated corpus of `--records` records, in one process and (above
   `load.operation.PARALLEL_MIN_BYTES`) with the configured worker processes
   (`LOGVIZ_LOAD_WORKERS`: default one per CPU, at most 4); baseline in the same run: only
   reading the same files and `json.loads` of every line (the floor any JSONL loader pays).
2. The same two corpora loaded with redaction off and on (LOGVIZ_REDACT=off / secrets): the
   throughput ratio, and how many records had something replaced.
3. One session file grows by a few turns; a Load of a corpus of `--small-files` files vs
   one of `--large-files` files (three rounds each, median), plus a Load with nothing new.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import SAMPLES, Stores, load_corpus, print_load, print_machine, table


def files_of(root: Path) -> list[Path]:
    from logviz_assets.load.source import scan

    return [Path(f.path) for f in scan([root])]


def json_floor(root: Path) -> tuple[float, int]:
    """Seconds to read every candidate file and json.loads each line; bytes read."""
    started = time.perf_counter()
    size = 0
    for path in files_of(root):
        data = path.read_bytes()
        size += len(data)
        if path.suffix == ".jsonl":
            for line in data.splitlines():
                if line.strip():
                    json.loads(line)
        else:
            json.loads(data)
    return time.perf_counter() - started, size


def full_load(root: Path, work: Path, workers: int) -> tuple[float, int, int]:
    stores = Stores(work)
    started = time.perf_counter()
    report = load_corpus(root, stores, workers)
    return time.perf_counter() - started, report.records_added, report.files_read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, help="an existing corpus of about --records records")
    parser.add_argument("--small-files", type=int, default=10)
    parser.add_argument("--large-files", type=int, default=10_000)
    parser.add_argument("--records-per-file", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from bench.corpus import generate, grow_session, load_templates
    from logviz_assets.load.operation import PARALLEL_MIN_BYTES
    from logviz_assets.settings import Settings

    load_workers = Settings.from_environment().load_workers

    print_machine("load")
    work = Path(tempfile.mkdtemp(prefix="logviz-bench-load-"))
    try:
        templates = load_templates()
        corpus = args.corpus
        if corpus is None:
            corpus = work / "corpus"
            generate(corpus, args.records, seed=0, templates=templates)
        rows = []
        for label, root in (("real Claude Code samples", SAMPLES / "claude-code"), ("generated corpus", corpus)):
            floor_s, size = json_floor(root)
            parallel = load_workers if size >= PARALLEL_MIN_BYTES else 1
            for workers in sorted({1, parallel}):
                seconds, records, files = full_load(root, work / f"store-{len(rows)}", workers)
                mib = size / 2**20
                rows.append([label, files, mib, workers, records, seconds, records / seconds, mib / seconds, floor_s])
        table(
            [
                "corpus",
                "files",
                "MiB",
                "processes",
                "records",
                "Load s",
                "records/s",
                "MiB/s",
                "read+json.loads s (floor)",
            ],
            rows,
            title="full Load into a fresh store",
        )

        # Redaction's cost: the same corpus loaded with LOGVIZ_REDACT=off and =secrets, alternating.
        rows = []
        for label, root in (("real Claude Code samples", SAMPLES / "claude-code"), ("generated corpus", corpus)):
            seconds: dict[str, list[float]] = {"off": [], "secrets": []}
            touched = 0
            for round_no in range(args.rounds):
                for mode in ("off", "secrets"):
                    started = time.perf_counter()
                    report = load_corpus(root, Stores(work / f"redact-{mode}-{round_no}-{len(rows)}"), 1, mode)
                    seconds[mode].append(time.perf_counter() - started)
                    touched = report.records_redacted if mode == "secrets" else touched
            off, on = statistics.median(seconds["off"]), statistics.median(seconds["secrets"])
            rows.append([label, report.records_added, off, on, off / on, touched, touched / report.records_added])
        table(
            [
                "corpus",
                "records",
                "off s (median)",
                "secrets s (median)",
                "throughput on/off",
                "records redacted",
                "share",
            ],
            rows,
            title=f"Load with redaction off and on (one process, {args.rounds} rounds alternating)",
        )

        rows = []
        for n_files in (args.small_files, args.large_files):
            root = work / f"grow-{n_files}"
            generate(root, n_files * args.records_per_file, files=n_files, seed=1, templates=templates)
            stores = Stores(work / f"grow-store-{n_files}")
            first_s = time.perf_counter()
            load_corpus(root, stores, load_workers)
            first_s = time.perf_counter() - first_s
            target = sorted(p for p in files_of(root) if "subagents" not in p.parts)[0]
            times, added = [], 0
            for round_no in range(args.rounds):
                grow_session(target, extra_turns=2, seed=round_no)
                started = time.perf_counter()
                report = load_corpus(root, stores, load_workers)
                times.append(time.perf_counter() - started)
                added += report.records_added
            started = time.perf_counter()
            idle = load_corpus(root, stores, load_workers)
            idle_s = time.perf_counter() - started
            rows.append(
                [n_files, len(files_of(root)), first_s, statistics.median(times), added, idle_s, idle.records_added]
            )
        ratio = rows[1][3] / rows[0][3]
        table(
            [
                "session files",
                "files scanned",
                "first Load s",
                "grown-file Load s (median)",
                "records added",
                "nothing-new Load s",
                "added",
            ],
            rows,
            title=f"incremental Load of one grown file: large/small = {ratio:.2f}x",
        )
        print_load()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
