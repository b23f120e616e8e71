"""Shared fixtures: where the third-party samples lie, and a temporary data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT.parent / "shared" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """`../shared/samples`, the real logs written by others; skip where it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared samples folder is absent ({SAMPLES.name} beside the repo)")
    return SAMPLES
