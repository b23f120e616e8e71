"""Shared fixtures and the test tiers.

`scripts/test.sh --fast` runs the tests that need neither the embedding model (marked `model`)
nor the third-party samples in ../shared/samples (marked `samples` here, by the fixture they
use) nor service processes (`e2e`); the full suite runs everything.
"""

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "samples_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.samples)
