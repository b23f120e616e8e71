"""Take the README's screenshot of the map viewer, on the demo corpus, in headless Chromium.

    .venv/bin/python scripts/screenshot.py [--out docs/viewer.png] [--url http://127.0.0.1:8000]

Without --url it loads and indexes the demo corpus (logviz_assets/demo_corpus) into a temporary
data folder with the pipeline's own functions, serves it with `python -m api.serve` on a free
loopback port, and stops that server afterwards. With --url it photographs a running API as is.
The picture shows the longest run selected: its record in the side panel and its path on the map.

Needs Debian's chromium (`apt-get install chromium`) and the `playwright` package (a dev extra).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the repo's packages, and the tests' helpers it reuses

from logviz_assets.settings import DEMO_CORPUS  # noqa: E402
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.helpers.pipeline import build_store  # noqa: E402
from tests.helpers.processes import free_port  # noqa: E402


@contextlib.contextmanager
def demo_api() -> Iterator[str]:
    """The API over a fresh store of the demo corpus, on a free loopback port."""
    with tempfile.TemporaryDirectory(prefix="logviz-screenshot-") as tmp:
        home = Path(tmp) / "home"
        # The panel shows each step's file: a short neutral path, not where this checkout lies.
        sources = Path(tempfile.gettempdir()) / "agent-logs"
        shutil.rmtree(sources, ignore_errors=True)
        shutil.copytree(DEMO_CORPUS, sources)
        build_store(home, sources)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOGVIZ_")}
        env.update(LOGVIZ_HOME=str(home), LOGVIZ_SOURCES=str(sources), HF_HUB_OFFLINE="1")
        log = (Path(tmp) / "api.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "api.serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{url}/stats", timeout=5).status_code == 200:
                        break
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the API did not start; its log:\n{(Path(tmp) / 'api.log').read_text()}")
                time.sleep(0.3)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
            log.close()
            shutil.rmtree(sources, ignore_errors=True)


def view_url(api: str) -> str:
    """The viewer coloured by project, with the middle step of the longest Claude Code run selected
    (the longest run of any format when there is none)."""
    runs = httpx.get(f"{api}/runs", params={"limit": 1000}, timeout=30).json()["runs"]
    if not runs:
        return f"{api}/"
    claude = [run for run in runs if run["source_format"] == "claude-code" and not run["is_subagent"]]
    longest = max(claude or runs, key=lambda run: run["steps"])
    steps = httpx.get(f"{api}/runs/{quote(longest['run_id'], safe='')}/trajectory", timeout=30).json()["steps"]
    if not steps:
        return f"{api}/"
    return f"{api}/?color=project&sel={quote(steps[len(steps) // 2]['point']['id'], safe='')}"


def shoot(url: str, out: Path, width: int, height: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.goto(url)
        deadline = time.monotonic() + 60
        # Polled from here: the page's CSP bars the eval Playwright's wait_for_function uses.
        ready = "() => window.logviz && logviz.ready && (!logviz.selection() || logviz.trajectory() !== null)"
        while not page.evaluate(ready):
            if error := page.evaluate("() => window.logviz && logviz.error"):
                raise SystemExit(f"the viewer failed: {error}")
            if time.monotonic() > deadline:
                raise SystemExit("the viewer did not get ready within 60 s")
            time.sleep(0.1)
        page.wait_for_timeout(500)  # the overlay draws on the next animation frame
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "viewer.png")
    parser.add_argument("--url", help="a running logviz API to photograph instead of the demo corpus")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=850)
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with contextlib.nullcontext(args.url.rstrip("/")) if args.url else demo_api() as api:
        shoot(view_url(api), args.out, args.width, args.height)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
