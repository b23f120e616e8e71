"""Fixtures of the Load tests: a private copy of the Claude Code samples, and a store path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def logs(tmp_path: Path, samples_dir: Path) -> Path:
    """A private copy of the Claude Code samples that tests may grow, rewrite and delete."""
    target = tmp_path / "logs"
    shutil.copytree(samples_dir / "claude-code", target)
    return target


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "records.duckdb"
