"""Shared helpers of the benchmark scripts: the machine, tables, timing, memory, stores.

Every script prints the machine it ran on and one Markdown table per measurement, so a
run's output can be pasted into BENCHMARKS.md as it is.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

SAMPLES = Path(os.environ.get("LOGVIZ_SAMPLES") or REPO_ROOT.parent / "shared" / "samples")


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def blas_info() -> str:
    """Which BLAS (and which kernel) numpy runs, as threadpoolctl reports it."""
    try:
        import numpy  # noqa: F401
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    parts = []
    for pool in threadpool_info():
        if pool.get("user_api") != "blas":
            continue
        parts.append(
            f"{pool.get('internal_api')} {pool.get('version')} core={pool.get('architecture')} "
            f"threads={pool.get('num_threads')}"
        )
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    return "; ".join(parts) + (f" (env {env})" if env else " (OPENBLAS_CORETYPE unset)")


def machine() -> dict[str, str]:
    flags = cpu_flags()
    info = {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_gib():.1f} GiB",
        "avx512_bf16": str("avx512_bf16" in flags),
        "amx_bf16": str("amx_bf16" in flags),
        "python": platform.python_version(),
    }
    with contextlib.suppress(ImportError):
        import torch

        info["torch"] = f"{torch.__version__} threads={torch.get_num_threads()}"
    info["blas"] = blas_info()
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def print_machine(title: str) -> None:
    print(f"## {title}\n")
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    for key, value in machine().items():
        print(f"- {key}: {value}")
    print()


def print_load(note: str = "load average at end") -> None:
    print(f"- {note}: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + "\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> str:
    """A Markdown table (printed and returned)."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = []
    if title:
        lines.append(f"### {title}\n")
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    """`with timed() as t: ...` then `t[0]` is the elapsed seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


class Stores:
    """A data folder for one benchmark: its RecordStore (DuckDB), LanceDB folder and layouts.

    Every read and write of records goes through `records`, as in the pipeline. The store's
    modules are imported on first use, so a stage that times its imports still pays for them.
    """

    def __init__(self, home: Path) -> None:
        from logviz_assets.settings import Settings

        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        folder = Settings(home=home.resolve())  # only for the paths logviz derives from a data folder
        self.duckdb, self.lancedb = folder.duckdb_path, folder.lancedb_path
        self.layouts = folder.layouts_path
        self.models = folder.models_path  # models derived here (the int8 export)

    @functools.cached_property
    def records(self):
        from logviz_assets.store import RecordStore

        return RecordStore(self.duckdb)

    def vectors(self):
        from logviz_assets.index.vectors import VectorTable

        self.lancedb.mkdir(parents=True, exist_ok=True)
        return VectorTable(str(self.lancedb))

    def layout_store(self):
        from logviz_assets.index.projection import LayoutStore

        return LayoutStore(self.layouts)


def quiet(_: str) -> None:
    """A progress callback that prints nothing."""


def load_corpus(root: Path, stores: Stores, workers: int, redact: str = "secrets"):
    """Load (`load.operation.load`) the logs below `root` into `stores`, quietly; its LoadReport.

    `workers` is passed on: `load` itself defaults to one process, where logviz's runs use
    `Settings.load_workers`. `redact` is the LOGVIZ_REDACT mode (the default's, secrets, unless told).
    """
    from logviz_assets.load.operation import load
    from logviz_assets.load.source import DataSource
    from logviz_assets.redact import Redactor

    return load(DataSource([root]), stores.records, progress=quiet, workers=workers, redactor=Redactor(redact))


def run_stage(args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run `python -m bench.<stage> ...` in a fresh process; it prints one JSON line last."""
    out = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def knn(matrix, k: int):
    """Indices of each row's `k` nearest other rows (unit vectors: by dot product)."""
    import numpy as np

    sims = matrix @ matrix.T
    np.fill_diagonal(sims, -np.inf)
    return np.argpartition(-sims, k, axis=1)[:, :k]


def overlap(a, b) -> float:
    """Mean share of neighbours two `knn` results have in common."""
    return sum(len(set(x) & set(y)) / len(x) for x, y in zip(a, b, strict=True)) / max(len(a), 1)
