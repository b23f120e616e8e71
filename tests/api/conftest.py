"""Fixtures for the API tests: a store built with the real model, and service logs on failure.

Expected numbers come from the Claude Code JSON itself (`tests.helpers.claude_code`) or from
the DuckDB file read directly (`tests.helpers.store`), never from the API under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.pipeline import BuiltStore, build_store
from tests.helpers.processes import Services
from tests.helpers.samples import FUM_PROJECT


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On a failure in a test that uses running services, attach the tail of each one's log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            services = getattr(value, "services", None)
            if isinstance(services, Services):
                report.sections.append(("logviz service logs (tails)", services.tails()))


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, samples_dir: Path) -> BuiltStore:
    """The Claude Code samples minus one project (kept out to add later), loaded and indexed."""
    root = tmp_path_factory.mktemp("built")
    sources = root / "logs"
    shutil.copytree(samples_dir / "claude-code", sources, ignore=shutil.ignore_patterns(FUM_PROJECT))
    home = root / "home"
    build_store(home, sources)
    return BuiltStore(home.resolve(), sources.resolve())
