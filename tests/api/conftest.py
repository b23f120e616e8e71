"""Fixtures for the API tests: a store built with the real model, an app over it, and service logs on failure.

`built_store` is the Claude Code samples minus one project, loaded, embedded and placed by the
same functions the Dagster assets call, once per session. `client` is the app over it in process
(FastAPI's TestClient), one per test module; Dagster is not running there: the app is pointed
at a closed loopback port (`dead_dagster`), which is also how the 503 paths are tested.

Expected numbers come from the Claude Code JSON itself (`tests.helpers.claude_code`) or from
the DuckDB file read directly (`tests.helpers.store`), never from the API under test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from logviz_assets.settings import Settings
from tests.helpers.pipeline import BuiltStore, build_store
from tests.helpers.processes import Services, free_port
from tests.helpers.samples import DIALYZER_COMMAND, FUM_PROJECT, ToolCall, find_bash_call

# The shared helpers assert too: have pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("tests.helpers.api", "tests.helpers.e2e")


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


@pytest.fixture(scope="session")
def store(built_store: BuiltStore) -> BuiltStore:
    """The built store, read-only: a test that writes copies it first."""
    return built_store


@pytest.fixture(scope="session")
def dead_dagster() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def client(store: BuiltStore, dead_dagster: str) -> Iterator[TestClient]:
    """The API over the built store, with Dagster unreachable; one for the session (it loads the model)."""
    from tests.helpers.api import local_client  # here, so that pytest rewrites its asserts (above)

    with local_client(Settings(home=store.home, dagster_url=dead_dagster)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def dialyzer(store: BuiltStore) -> ToolCall:
    return find_bash_call(store.sources, DIALYZER_COMMAND)
