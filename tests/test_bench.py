"""Each benchmark script runs once on a tiny corpus (no timing assertions).

The figures in BENCHMARKS.md come from running the scripts by hand at full size; this
only keeps the scripts working as the code under them changes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, timeout: int = 180) -> str:
    out = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.fixture(scope="module")
def indexed(samples_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 15-record corpus (fewer than UMAP needs: a linear layout, no numba) loaded and indexed."""
    work = tmp_path_factory.mktemp("bench")
    corpus, home = work / "corpus", work / "home"
    out = run("bench/corpus.py", str(corpus), "--records", "15")
    assert "| records" in out
    out = run("bench/pipeline.py", "--records", "15", "--corpus", str(corpus), "--home", str(home))
    assert "| project" in out and "peak RSS MiB" in out
    return corpus, home


def test_corpus_is_claude_code_sessions(samples_dir: Path, tmp_path: Path) -> None:
    run("bench/corpus.py", str(tmp_path), "--records", "40", "--files", "2")
    sessions = [p for p in tmp_path.rglob("*.jsonl") if "subagents" not in p.parts]
    assert len(sessions) == 2
    first = json.loads(sessions[0].read_text().splitlines()[0])
    assert "sessionId" in first or first.get("type") in ("file-history-snapshot", "summary")
    assert not any(p.is_relative_to(REPO) for p in tmp_path.rglob("*"))


def test_load(samples_dir: Path) -> None:
    out = run("bench/load.py", "--records", "60", "--small-files", "2", "--large-files", "4", "--rounds", "1")
    assert "records/s" in out and "grown-file Load" in out


def test_embed(samples_dir: Path) -> None:
    out = run("bench/embed.py", "--records", "60", "--texts", "12", "--batch-size", "8")
    assert "indexing.embed_missing" in out and "top-10 overlap" in out


def test_incremental_and_api(indexed: tuple[Path, Path]) -> None:
    corpus, home = indexed
    out = run(
        "bench/incremental.py",
        "--home",
        str(home),
        "--corpus",
        str(corpus),
        "--new-share",
        "0.1",
        "--baseline-texts",
        "4",
        "--skip-umap-baseline",
        "--atlas-python",
        "/nonexistent",
    )
    assert "re-Index, nothing new" in out
    out = run("bench/api.py", "--home", str(home), "--rounds", "1", "--queries", "2")
    assert "GET /points (Arrow)" in out and "mode=hybrid" in out


def test_projection(indexed: tuple[Path, Path]) -> None:
    _, home = indexed
    out = run("bench/projection.py", "--home", str(home), "--points", "16", "--new", "2", "--skip-compile-probe")
    assert "projection.fit (logviz)" in out


def test_projection_scale(indexed: tuple[Path, Path]) -> None:
    _, home = indexed
    # A sample under UMAP's minimum: the linear layout, so no numba compile in the test suite.
    out = run("bench/projection_scale.py", "--home", str(home), "--points", "40", "--fit-sample-size", "19")
    assert re.search(r"synthetic vectors\s*\|\s*40\s*\|\s*19\s*\|\s*21\s*\|", out), out


def test_precision(samples_dir: Path) -> None:
    out = run("bench/precision.py", "--texts", "12", "--rounds", "1", "--batch-size", "8")
    assert "TextEmbedder bf16" in out and "TextEmbedder int8" in out and "top-10 overlap" in out
