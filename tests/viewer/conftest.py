"""Fixtures for the browser tests: a real store, the real API on a loopback port, headless Chromium.

`site` copies the demo corpus and adds a conversation whose text holds markup and script, then
loads, embeds and places it with the functions the Dagster assets call (`build_store`). One more
file is then loaded but not indexed, so the map also has pending points. `python -m api.serve`
serves that store on a free loopback port.

Chromium is Debian's (`apt-get install chromium`; scripts/test.sh installs it as root), driven
by Playwright: its own browser download cannot be reached here. There is no GPU, so WebGL runs
on SwiftShader. The tests skip, saying why, only when no Chromium is installed.

Expected values come from the DuckDB file read directly (`tests.helpers.store`), never from
the API or the page under test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from logviz_assets.settings import DEMO_CORPUS
from tests.helpers.browser import CHROMIUM_ARGS
from tests.helpers.e2e import api_env, compute_logs
from tests.helpers.pipeline import build_store
from tests.helpers.processes import BIN, REPO_ROOT, Services, dagster_home, free_port, start_service, wait_for
from tests.helpers.store import load

STARTUP_SECONDS = 120
TOKEN = "viewer-" + uuid.uuid4().hex
# A user message an agent log could well hold: markup that would run if it were inserted as HTML.
HOSTILE_TEXT = (
    "<script>window.__pwned = 'script'</script> Please review "
    "<img src=x onerror=\"window.__pwned = 'img'\"> this <b>markup</b>."
)
HOSTILE_CONVERSATION = [
    {"role": "user", "content": HOSTILE_TEXT},
    {"role": "assistant", "content": "I will treat that as plain text and run nothing."},
]
LATE_CONVERSATION = [
    {"role": "user", "content": "Loaded after the last index: this step has no place on the map yet."},
    {"role": "assistant", "content": "It shows up as pending until Index runs."},
]


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass(frozen=True)
class Site:
    """The API serving a store, and where that store lies."""

    url: str
    home: Path
    services: Services
    sources: Path | None = None

    @property
    def db(self) -> Path:
        return self.home / "records.duckdb"


def serve(home: Path, sources: Path, logs: Path, token: str | None = None) -> tuple[Site, Services]:
    """`python -m api.serve` over `home` on a free loopback port (requiring `token` if given), once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGVIZ_", "DAGSTER_"))}
    env.update(
        LOGVIZ_HOME=str(home),
        LOGVIZ_SOURCES=str(sources),
        LOGVIZ_DAGSTER_URL=f"http://127.0.0.1:{free_port()}",  # nothing there: the viewer needs no Dagster
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    if token:
        env["LOGVIZ_API_TOKEN"] = token
    services = Services()
    name = f"api-{home.parent.name}{'-token' if token else ''}"
    services.add(start_service(name, [sys.executable, "-m", "api.serve", "--port", str(port)], env, logs))
    url = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        services.check_alive()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"{url}/stats", headers=headers, timeout=10).status_code == 200

    try:
        wait_for(answering, STARTUP_SECONDS, f"the API on {url} to answer")
    except BaseException as err:
        services.stop()
        raise AssertionError(f"{err}\n{services.tails()}") from err
    return Site(url, home, services), services


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium installed: the browser tests need Debian's chromium (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo corpus and a hostile conversation, loaded and indexed; one more file only loaded."""
    root = tmp_path_factory.mktemp("viewer")
    sources = root / "logs"
    shutil.copytree(DEMO_CORPUS, sources)
    (sources / "review").mkdir()
    (sources / "review" / "hostile-conversation.json").write_text(json.dumps(HOSTILE_CONVERSATION), encoding="utf-8")
    home = root / "home"
    build_store(home, sources)
    (sources / "late").mkdir()
    (sources / "late" / "late-conversation.json").write_text(json.dumps(LATE_CONVERSATION), encoding="utf-8")
    load(sources, home / "records.duckdb")
    served, services = serve(home, sources, root / "service-logs")
    try:
        yield served
    finally:
        services.stop()


@pytest.fixture(scope="session")
def token_site(site: Site) -> Iterator[Site]:
    """A second API over the same store that requires a bearer token."""
    served, services = serve(site.home, site.home.parent / "logs", site.home.parent / "service-logs", token=TOKEN)
    try:
        yield served
    finally:
        services.stop()


@pytest.fixture(scope="session")
def empty_site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The API over a data folder where nothing was ever loaded."""
    root = tmp_path_factory.mktemp("viewer-empty")
    (root / "logs").mkdir()
    served, services = serve(root / "home", root / "logs", root / "service-logs")
    try:
        yield served
    finally:
        services.stop()


@pytest.fixture(scope="session")
def dagster_site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The API with the real Dagster webserver and daemon behind it, over a store built from part of
    the demo corpus: the page's Load and Index buttons start real runs."""
    root = tmp_path_factory.mktemp("viewer-dagster")
    home = dagster_home(root)
    sources = root / "logs"
    shutil.copytree(DEMO_CORPUS / "support-bot", sources / "support-bot")
    build_store(home, sources)
    web_port, api_port = free_port(), free_port()
    env = api_env(home, sources, f"http://127.0.0.1:{web_port}")
    logs = root / "service-logs"
    # As scripts/up.sh does: create the instance's storage once, before two processes race to.
    subprocess.run(
        [str(BIN / "dagster"), "instance", "migrate"], env=env, cwd=REPO_ROOT, check=True, capture_output=True
    )
    services = Services(extra_logs=lambda: compute_logs(home))
    web = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(web_port)]
    services.add(start_service("viewer-dagster-webserver", web, env, logs))
    services.add(
        start_service("viewer-dagster-daemon", [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, logs)
    )
    services.add(start_service("viewer-api", [sys.executable, "-m", "api.serve", "--port", str(api_port)], env, logs))
    url = f"http://127.0.0.1:{api_port}"

    def healthy() -> bool:
        services.check_alive()
        try:
            return httpx.get(f"{url}/health", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, STARTUP_SECONDS, "the API and Dagster to be healthy", interval=1.0)
    except BaseException as err:
        services.stop()
        raise AssertionError(f"{err}\n{services.tails()}") from err
    try:
        yield Site(url, home, services, sources)
    finally:
        services.stop()


@dataclass
class Viewer:
    """One page of the viewer, driven through its `window.logviz` hook and real mouse events."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, arg: Any = None, timeout: float = 30.0, what: str | None = None) -> Any:
        """Poll `expression` until it is truthy. (Polled from here: the page's CSP bars the eval
        that Playwright's own wait_for_function uses.)"""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.js(expression, arg)
            except Exception as err:  # the page navigated while being read: read the new one
                if "context was destroyed" not in str(err) or time.monotonic() > deadline:
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or expression}")
            time.sleep(0.05)

    def positions(self) -> dict[str, dict[str, float]]:
        """Every drawn point's position in the page, by record id."""
        return self.js(
            "() => Object.fromEntries(logviz.ids().map((id) => [id, logviz.project(id)]).filter(([, p]) => p))"
        )

    def isolated(self, candidates: set[str], gap: float = 16.0) -> tuple[str, dict[str, float]]:
        """A point among `candidates` with no other point within `gap` pixels, inside the map, so
        that the mouse lands on it and nothing else."""
        positions = self.positions()
        box = self.js(
            "() => { const r = document.querySelector('#points').getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; }"
        )
        for record_id in sorted(candidates):
            here = positions.get(record_id)
            if not here or not (box[0] + 20 < here["x"] < box[2] - 20 and box[1] + 20 < here["y"] < box[3] - 20):
                continue
            if all(
                other == record_id or abs(p["x"] - here["x"]) + abs(p["y"] - here["y"]) > gap
                for other, p in positions.items()
            ):
                return record_id, here
        raise AssertionError(f"no isolated point among {len(candidates)} candidates")


@pytest.fixture
def open_viewer(browser: Any) -> Iterator[Callable[..., Viewer]]:
    """Open the viewer at a URL in a fresh browser context; fail on any page error or console error."""
    contexts: list[tuple[Any, Viewer]] = []

    def open_(url: str, bypass_csp: bool = False, expect_error: bool = False) -> Viewer:
        context = browser.new_context(viewport={"width": 1400, "height": 850}, bypass_csp=bypass_csp)
        page = context.new_page()
        viewer = Viewer(page)
        page.on("pageerror", lambda err: viewer.errors.append(f"page error: {err}"))
        page.on("console", lambda msg: msg.type == "error" and viewer.errors.append(f"console error: {msg.text}"))
        page.on("dialog", lambda dialog: (viewer.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        contexts.append((context, viewer))
        page.goto(url)
        viewer.wait("() => window.logviz && window.logviz.ready", what="the viewer to be ready")
        if not expect_error:
            assert viewer.js("() => logviz.error") is None
        return viewer

    yield open_
    errors = [error for _, viewer in contexts for error in viewer.errors]
    for context, _ in contexts:
        context.close()
    assert not errors, "\n".join(errors)
