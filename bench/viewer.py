"""The map viewer in headless Chromium (software GL): time to first frame, hover and click latency.

    python bench/viewer.py [--points 100000 1000000] [--opens 4] [--hovers 20] [--clicks 10] [--bundle DIR]

For each size a store of that many records, every one placed (one point each), is written
straight into DuckDB with SQL (`make_store`): runs of 100 steps with the project's kinds and
tool names, texts of a few lines, points in eight Gaussian blobs over a thin uniform background.
`python -m api.serve` serves it on a free loopback port, and Debian's Chromium, driven by
Playwright with the browser tests' flags (no GPU: WebGL on SwiftShader), opens the viewer at
1400×850.

- First frame: the page's marks (`logviz.timings()`, ms since navigation start) and the Resource
  Timing of its `GET /points`. The first open finds the server's /points cache empty; the
  others find it filled (the usual case: the body is kept until the store changes).
- Floor: the same page fetching `/points?format=arrow` into an ArrayBuffer, not decoded (the
  bundled Arrow decoder is not reachable from outside): what any viewer of these points pays.
- Hover: a real mouse move (one `mouse.move`, from an empty spot nearby, with the page idle) onto
  a point with no other within `GAP_PX`; latency from the page's `lastMove` mark to its
  `lastTooltip` mark, checked to be the tooltip of that point; "painted": to the end of the first
  animation frame after the tooltip was put in the page (a recorder of rAF callbacks installed
  last, so it runs after regl-scatterplot's draw), when it reaches the screen; and the wall time
  from the `mouse.move` call until the page reports that tooltip (~20 ms of it is the polling).
  "First frame after move" is when the first frame after the move had ended: a tooltip later
  than that waited for a redraw.
- Click: the mouse is moved onto a point and rests there until its tooltip has its text (so the
  record is already fetched, as when a hand hovers before it clicks); then a click, and the time
  from the click event until the side panel shows that record's text (a MutationObserver on the
  panel), and the wall time from the `mouse.click` call until the page reports it.

`--bundle DIR` serves DIR/app.js in place of api/viewer/app.js (Playwright routing): to measure a
change to viewer/src built elsewhere before it lands.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO_ROOT, print_load, print_machine, table, timed
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS

STEPS_PER_RUN = 100
VIEWPORT = {"width": 1400, "height": 850}
GAP_PX = 16.0  # no other point within this distance of a hovered or clicked one
REST_PX = 40.0  # the mouse comes from an empty spot this far from the point
STARTUP_SECONDS = 120
WAIT_SECONDS = 120.0  # for any one thing the page should do (a first frame of 1M points included)
POLL_SECONDS = 0.005
TOOLS = ["Bash", "Read", "Edit", "Grep", "Write", "Glob", "TodoWrite", "WebFetch"]
MODELS = ["claude-sonnet-4-5", "claude-opus-4-1", "gpt-5-codex"]
# (x, y, sigma) of the blobs: clusters of steps as UMAP draws them.
BLOBS = [(0.0, 0.0, 0.8), (6.0, 0.5, 0.5), (-5.5, 2.0, 0.6), (2.5, 5.5, 0.4), (-2.0, -5.5, 0.7),
         (5.0, -4.5, 0.45), (-6.5, -3.5, 0.35), (-1.0, 6.5, 0.55)]  # fmt: skip
HALF_SIDE = 11.0  # the background spans [-HALF_SIDE, HALF_SIDE] both ways
BACKGROUND_POINTS = 800  # uniform over the square, whatever the size: isolated points to hover
FIRST_FRAME_GOALS_MS = {100_000: 1000, 1_000_000: 5000}  # issue #11
HOVER_GOAL_POINTS, HOVER_GOAL_MS = 1_000_000, 100


# ---------------------------------------------------------------- the store


def make_store(home: Path, n: int) -> Path:
    """`n` records in runs of STEPS_PER_RUN (the first of each the run's own record), each with a
    distinct text and a point; written by SQL alone, so that 1M records take seconds."""
    from logviz_assets.store import RecordStore

    store = RecordStore(home / "records.duckdb")
    # Pseudo-random numbers from a hash of the row number and a stream: the same store every run,
    # whatever DuckDB's thread count.
    unit = "((hash(i, {k}) % 1000003) + 0.5) / 1000003.0"
    blob = f"CAST(hash(i, 1) % {len(BLOBS)} AS INTEGER)"
    centres = ", ".join(f"({k}, {x}, {y}, {s})" for k, (x, y, s) in enumerate(BLOBS))
    tools = "[" + ", ".join(f"'{t}'" for t in TOOLS) + "]"
    models = "[" + ", ".join(f"'{m}'" for m in MODELS) + "]"
    with store.writing() as con:
        con.execute(f"""
            CREATE TEMP TABLE gen AS
            WITH base AS (
                SELECT i, i // {STEPS_PER_RUN} AS run, i % {STEPS_PER_RUN} AS seq,
                       list_extract({tools}, CAST(hash(i // 5, 7) % {len(TOOLS)} AS INTEGER) + 1) AS tool
                FROM generate_series(0, {n - 1}) AS t(i)
            ), typed AS (
                SELECT *, CASE WHEN seq = 0 THEN 'run'
                               WHEN seq % 5 IN (1, 4) THEN 'message'
                               WHEN seq % 5 = 2 THEN 'tool_call'
                               WHEN seq % 5 = 3 THEN 'tool_result'
                               ELSE 'reasoning' END AS kind
                FROM base
            ), texts AS (
            SELECT i, run, seq, kind, tool,
                   format('run-{{:06d}}', run) AS run_id,
                   format('rec-{{:07d}}', i) AS record_id,
                   kind = 'tool_result' AND hash(i, 5) % 20 = 0 AS is_error,
                   CASE kind
                     WHEN 'run' THEN format('Fix the failing tests in module {{}} and push (run {{}})', i % 97, run)
                     WHEN 'message' THEN format(
                       'Step {{}} of run {{}}: I will look at src/module_{{}}.py next.\nThe error comes from the '
                       || 'parser on line {{}}.\nThen run the tests again.', seq, run, i % 211, i % 499)
                     WHEN 'reasoning' THEN format(
                       'The test fails because the fixture {{}} is created twice.\nA session scope would '
                       || 'fix it (step {{}}, run {{}}).', i % 53, seq, run)
                     WHEN 'tool_call' THEN format(
                       '{{}} {{{{"command": "pytest tests/test_{{}}.py -q", "step": {{}}}}}}', tool, i % 131, i)
                     ELSE format('$ pytest tests/test_{{}}.py -q\n{{}} passed, {{}} failed in {{}}s\n'
                       || 'FAILED tests/test_{{}}.py::test_case_{{}} - AssertionError (record {{}})',
                       i % 131, i % 40, i % 3, i % 17, i % 131, i % 29, i)
                   END AS text
            FROM typed
            )
            -- The hash only joins a record to its point here (no vectors are made).
            SELECT *, left(sha256(text), 32) AS text_hash FROM texts
        """)
        con.execute(f"""
            INSERT INTO records (record_id, run_id, kind, source_format, seq, role, text, tool_name,
                                 tool_call_id, is_error, agent_name, model, provider, ts_start, ts_end,
                                 tokens_in, tokens_out, project, source_file, source_line, text_hash)
            SELECT record_id, run_id, kind, 'claude_code', seq,
                   CASE WHEN kind IN ('message', 'reasoning') THEN (CASE WHEN seq % 5 = 1 THEN 'user'
                        ELSE 'assistant' END) WHEN kind = 'tool_result' THEN 'tool' END,
                   text,
                   CASE WHEN kind IN ('tool_call', 'tool_result') THEN tool END,
                   CASE WHEN kind IN ('tool_call', 'tool_result') THEN format('call-{{}}', i // 5) END,
                   CASE WHEN kind = 'tool_result' THEN is_error END,
                   'claude-code', list_extract({models}, CAST(run % {len(MODELS)} AS INTEGER) + 1), 'anthropic',
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * 7),
                   TIMESTAMPTZ '2026-01-01 00:00:02+00' + to_seconds(i * 7),
                   CASE WHEN kind = 'message' THEN 1000 + i % 5000 END,
                   CASE WHEN kind = 'message' THEN 50 + i % 700 END,
                   format('/home/dev/projects/service-{{}}', run % 7),
                   format('/logs/projects/service-{{}}/{{}}.jsonl', run % 7, run_id), seq + 1, text_hash
            FROM gen
        """)
        u1, u2, u3 = (unit.format(k=k) for k in (2, 3, 4))
        background = min(0.3, BACKGROUND_POINTS / n)
        con.execute(f"""
            INSERT INTO points (text_hash, x, y, layout_id, placed_by)
            WITH centres(k, cx, cy, s) AS (VALUES {centres}),
            drawn AS (
                SELECT text_hash, {blob} AS k, {u1} AS u1, {u2} AS u2, {u3} AS u3
                FROM gen
            )
            SELECT text_hash,
                   CASE WHEN u3 < {background} THEN {2 * HALF_SIDE} * u1 - {HALF_SIDE}
                        ELSE cx + s * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2) END,
                   CASE WHEN u3 < {background} THEN {2 * HALF_SIDE} * u2 - {HALF_SIDE}
                        ELSE cy + s * sqrt(-2 * ln(u1)) * sin(2 * pi() * u2) END,
                   'bench-viewer', 'fit'
            FROM drawn JOIN centres USING (k)
        """)
        con.execute("DROP TABLE gen")
        con.execute("CHECKPOINT")
    return store.path


def record_texts(db: Path, ids: list[str]) -> dict[str, str]:
    from logviz_assets.store import RecordStore

    with RecordStore(db).reading() as con:
        found = con.execute("SELECT record_id, text FROM records WHERE list_contains(?, record_id)", [ids])
        return dict(found.fetchall())


# ---------------------------------------------------------------- the API


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@contextlib.contextmanager
def serving(home: Path, work: Path) -> Iterator[Server]:
    """`python -m api.serve` over `home` on a free loopback port, once it answers and has gone idle."""
    import httpx

    from tests.helpers.processes import free_port

    (work / "logs").mkdir(exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGVIZ_", "DAGSTER_"))}
    env.update(
        LOGVIZ_HOME=str(home),
        LOGVIZ_SOURCES=str(work / "logs"),
        LOGVIZ_DAGSTER_URL=f"http://127.0.0.1:{free_port()}",  # nothing there: the viewer needs no Dagster
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    log = work / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with whatever it started
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{server.url}/stats", timeout=30).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start; its log:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        # It loads the model in a thread at start-up: measuring before that is done would charge
        # its CPU to the page on this 2-core machine.
        wait_idle(proc.pid)
        yield server
    finally:
        server.stop()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def wait_idle(pid: int, quiet: float = 0.05, window: float = 1.0, timeout: float = STARTUP_SECONDS) -> None:
    """Until the process used less than `quiet` CPU seconds in `window` seconds."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now - before < quiet:
            return
        before = now


# ---------------------------------------------------------------- the page

# Runs in the page (through the DevTools protocol, which its CSP does not bar). A rAF recorder
# registered after regl-scatterplot's frame loop, so each entry is when a frame's draw had ended;
# a click listener and a MutationObserver on the panel for the click latency.
INSTRUMENT_JS = """() => {
  if (window.__bench) return;
  const bench = { frames: [], click: null, panelAt: null, want: null };
  window.__bench = bench;
  const tick = () => {
    bench.frames.push(performance.now());
    if (bench.frames.length > 600) bench.frames.splice(0, 300);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  document.addEventListener('click', () => { bench.click = performance.now(); }, true);
  const panel = document.querySelector('#panel');
  new MutationObserver(() => {
    if (!bench.want || bench.panelAt !== null) return;
    const pre = panel.querySelector('pre.text');
    if (pre && pre.textContent === bench.want.text && panel.textContent.includes(bench.want.id)) {
      bench.panelAt = performance.now();
    }
  }).observe(panel, { childList: true, subtree: true, characterData: true });
}"""

# Points with no other within `gap` px, inside the map, each with an empty spot `rest` px away to
# come from; up to `limit`, in a random order. A grid of `gap`-sized cells keeps it linear in points.
ISOLATED_JS = """({ gap, rest, limit, seed }) => {
  const ids = logviz.placedIds();
  const box = document.querySelector('#points').getBoundingClientRect();
  const margin = rest + 2 * gap;
  const cells = new Map();
  const xs = new Float64Array(ids.length);
  const ys = new Float64Array(ids.length);
  const key = (cx, cy) => cx * 1048576 + cy;
  for (let i = 0; i < ids.length; i += 1) {
    const p = logviz.project(ids[i]);
    xs[i] = p ? p.x : NaN;
    ys[i] = p ? p.y : NaN;
    if (!p) continue;
    const k = key(Math.floor(p.x / gap), Math.floor(p.y / gap));
    const cell = cells.get(k);
    if (cell) cell.push(i); else cells.set(k, [i]);
  }
  const emptyAround = (x, y, self) => {
    const cx = Math.floor(x / gap);
    const cy = Math.floor(y / gap);
    for (let dx = -1; dx <= 1; dx += 1) {
      for (let dy = -1; dy <= 1; dy += 1) {
        for (const j of cells.get(key(cx + dx, cy + dy)) ?? []) {
          if (j !== self && Math.hypot(xs[j] - x, ys[j] - y) <= gap) return false;
        }
      }
    }
    return true;
  };
  const found = [];
  for (let i = 0; i < ids.length; i += 1) {
    const x = xs[i];
    const y = ys[i];
    if (!(x > box.left + margin && x < box.right - margin && y > box.top + margin && y < box.bottom - margin)) continue;
    if (!emptyAround(x, y, i)) continue;
    for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1], [-0.7, -0.7], [0.7, 0.7], [-0.7, 0.7], [0.7, -0.7]]) {
      const rx = x + dx * rest;
      const ry = y + dy * rest;
      if (emptyAround(rx, ry, -1)) {
        found.push({ id: ids[i], x, y, rx, ry });
        break;
      }
    }
  }
  let state = seed;
  for (let i = found.length - 1; i > 0; i -= 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [found[i], found[j]] = [found[j], found[i]];
  }
  return { count: found.length, points: found.slice(0, limit) };
}"""

SETTLED_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"

OPEN_JS = """() => {
  const entries = performance.getEntriesByType('resource');
  const points = entries.find((e) => e.name.includes('/points'));
  return {
    timings: logviz.timings(),
    placed: logviz.placedCount,
    requested: points ? points.startTime : null,
    received: points ? points.responseEnd : null,
    bytes: points ? points.encodedBodySize : null,
  };
}"""

FLOOR_JS = """async () => {
  const started = performance.now();
  const response = await fetch('/points?format=arrow', { cache: 'no-store' });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, bytes: body.byteLength };
}"""


class PageErrors(list):
    """Errors the page reported: a benchmark of a broken page measures nothing."""

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda err: self.append(f"page error: {err}"))
        page.on("console", lambda msg: msg.type == "error" and self.append(f"console error: {msg.text}"))


def wait(page: Any, expression: str, arg: Any = None, timeout: float = WAIT_SECONDS, what: str = "") -> Any:
    """Poll `expression` in the page until it is truthy (Playwright's own wait_for_function uses an
    eval the page's CSP bars)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what or expression}")
        time.sleep(POLL_SECONDS)


def open_viewer(browser: Any, url: str, bundle: Path | None, errors: PageErrors) -> tuple[Any, Any]:
    """A fresh context (nothing cached) and the viewer in it, once ready."""
    context = browser.new_context(viewport=VIEWPORT)
    if bundle is not None:
        script = (bundle / "app.js").read_bytes()
        context.route("**/viewer/app.js", lambda route: route.fulfill(body=script, content_type="text/javascript"))
    page = context.new_page()
    errors.watch(page)
    page.goto(url)
    wait(page, "() => window.logviz && window.logviz.ready", what="the viewer to be ready")
    error = page.evaluate("() => logviz.error")
    if error:
        raise RuntimeError(f"the viewer failed: {error}")
    return context, page


def measure_open(page: Any) -> dict[str, float]:
    got = page.evaluate(OPEN_JS)
    marks = got["timings"]
    return {
        "placed": got["placed"],
        "requested": got["requested"],
        "received": got["received"],
        "decoded": marks["pointsFetched"],
        "table": marks["tableBuilt"],
        "frame": marks["firstFrame"],
        "mib": (got["bytes"] or 0) / 2**20,
    }


def settle(page: Any) -> None:
    """Until two animation frames have passed: any redraw already asked for is done."""
    page.evaluate(SETTLED_JS)
    time.sleep(0.05)


def rest_at(page: Any, x: float, y: float) -> None:
    page.mouse.move(x, y)
    wait(page, "() => logviz.tooltip() === null", what="the tooltip to go")
    settle(page)


def hover(page: Any, target: dict[str, Any]) -> dict[str, float]:
    rest_at(page, target["rx"], target["ry"])
    started = time.perf_counter()
    page.mouse.move(target["x"], target["y"])
    wait(page, "(id) => logviz.tooltip()?.id === id", target["id"], what=f"the tooltip of {target['id']}")
    wall = time.perf_counter() - started
    settle(page)  # the frame that paints the tooltip
    marks, frames = page.evaluate("() => [logviz.timings(), window.__bench.frames.slice()]")
    moved, shown = marks["lastMove"], marks["lastTooltip"]
    if moved is None or shown is None or shown < moved:
        raise RuntimeError(f"no tooltip mark after the move onto {target['id']}: {marks}")
    after_move = next(f for f in frames if f > moved)
    painted = next(f for f in frames if f > shown)
    return {
        "ms": shown - moved,
        "painted_ms": painted - moved,
        "wall_ms": wall * 1000,
        "frame_ms": after_move - moved,
        "frames": sum(moved < f <= shown for f in frames),
    }


def click(page: Any, target: dict[str, Any], text: str) -> dict[str, float]:
    rest_at(page, target["rx"], target["ry"])
    page.mouse.move(target["x"], target["y"])
    wait(page, "(id) => { const t = logviz.tooltip(); return t?.id === id && t.loaded; }", target["id"])
    settle(page)
    page.evaluate(
        "(want) => Object.assign(window.__bench, { want, click: null, panelAt: null })",
        {"id": target["id"], "text": text},
    )
    started = time.perf_counter()
    page.mouse.click(target["x"], target["y"])
    wait(
        page,
        "(id) => logviz.selection() === id && window.__bench.panelAt !== null",
        target["id"],
        what=f"the panel to show {target['id']}",
    )
    wall = time.perf_counter() - started
    bench = page.evaluate("() => window.__bench")
    return {"ms": bench["panelAt"] - bench["click"], "wall_ms": wall * 1000}


# ---------------------------------------------------------------- the run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class SizeResult:
    points: int
    opens: list[dict[str, float]]
    floor: list[dict[str, float]]
    hovers: list[dict[str, float]]
    clicks: list[dict[str, float]]
    isolated: int
    store_seconds: float


def measure_size(playwright: Any, n: int, args: argparse.Namespace, work: Path) -> SizeResult:
    home = work / "home"
    with timed() as made:
        db = make_store(home, n)
    print(f"store of {n:,} records written in {made[0]:.1f} s ({db.stat().st_size / 2**20:,.0f} MiB)\n", flush=True)
    errors = PageErrors()
    with serving(home, work) as server:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        try:
            opens = []
            for _ in range(args.opens):
                context, page = open_viewer(browser, f"{server.url}/", args.bundle, errors)
                opens.append(measure_open(page))
                if len(opens) < args.opens:
                    context.close()
            if opens[-1]["placed"] != n:
                raise RuntimeError(f"the page placed {opens[-1]['placed']:,} points of {n:,}")
            floor = [page.evaluate(FLOOR_JS) for _ in range(3)]
            page.evaluate(INSTRUMENT_JS)
            wanted = args.hovers + args.clicks
            found = page.evaluate(ISOLATED_JS, {"gap": GAP_PX, "rest": REST_PX, "limit": wanted, "seed": 11})
            targets = found["points"]
            if len(targets) < wanted:
                raise RuntimeError(f"only {len(targets)} isolated points of the {wanted} wanted")
            hovers = [hover(page, target) for target in targets[: args.hovers]]
            to_click = targets[args.hovers :]
            texts = record_texts(home / "records.duckdb", [t["id"] for t in to_click])
            clicks = [click(page, target, texts[target["id"]]) for target in to_click]
            context.close()
        finally:
            browser.close()
    if errors:
        raise RuntimeError("the page reported errors:\n" + "\n".join(errors[:20]))
    return SizeResult(n, opens, floor, hovers, clicks, found["count"], made[0])


def report(results: list[SizeResult]) -> None:
    rows = []
    for r in results:
        first, rest = r.opens[0], r.opens[1:]
        groups = [("first (server cache empty)", [first])]
        if rest:
            groups.append((f"median of the next {len(rest)}", rest))
        for label, opens in groups:
            med = {key: statistics.median(o[key] for o in opens) for key in first}
            rows.append(
                [r.points, label, med["mib"], med["requested"], med["received"], med["decoded"], med["table"],
                 med["frame"]]
            )  # fmt: skip
    table(
        ["points", "open", "MiB", "/points asked", "/points received", "decoded", "table built", "first frame"],
        rows,
        title="Time to first frame (ms since navigation start)",
    )
    rows = []
    for r in results:
        warm = r.opens[1:] or r.opens
        fetch = statistics.median(f["ms"] for f in r.floor)
        page_fetch = statistics.median(o["received"] - o["requested"] for o in warm)
        frame = statistics.median(o["frame"] for o in warm)
        rows.append([r.points, r.floor[0]["bytes"] / 2**20, fetch, page_fetch, frame, frame - fetch])
    table(
        ["points", "MiB", "fetch + arrayBuffer ms", "the viewer's fetch ms", "first frame ms", "first frame − floor"],
        rows,
        title="Floor: /points?format=arrow fetched in the same page, not decoded (median of 3; server cache filled)",
    )
    rows = []
    for r in results:
        ms = [h["ms"] for h in r.hovers]
        painted = [h["painted_ms"] for h in r.hovers]
        wall = [h["wall_ms"] for h in r.hovers]
        frame = [h["frame_ms"] for h in r.hovers]
        rows.append(
            [r.points, len(ms), statistics.median(ms), percentile(ms, 0.95), max(ms), statistics.median(painted),
             percentile(painted, 0.95), statistics.median(wall), percentile(wall, 0.95), statistics.median(frame),
             statistics.median(h["frames"] for h in r.hovers)]
        )  # fmt: skip
    table(
        ["points", "hovers", "p50 ms", "p95 ms", "max ms", "painted p50 ms", "painted p95 ms", "wall p50 ms",
         "wall p95 ms", "first frame after move ms", "frames before the tooltip"],
        rows,
        title=f"Hover: mousemove → tooltip of that point (points with none other within {GAP_PX:.0f} px)",
    )  # fmt: skip
    rows = []
    for r in results:
        ms = [c["ms"] for c in r.clicks]
        wall = [c["wall_ms"] for c in r.clicks]
        rows.append([r.points, len(ms), statistics.median(ms), max(ms), statistics.median(wall), max(wall)])
    table(
        ["points", "clicks", "p50 ms", "max ms", "wall p50 ms", "wall max ms"],
        rows,
        title="Click: click event → the side panel shows the record's text",
    )
    rows = []
    for r in results:
        goal = FIRST_FRAME_GOALS_MS.get(r.points)
        if goal is not None:
            warm = statistics.median(o["frame"] for o in (r.opens[1:] or r.opens))
            rows.append([f"first frame ≤ {goal / 1000:g} s at {r.points:,}", f"{warm:,.0f} ms (cache filled), "
                         f"{r.opens[0]['frame']:,.0f} ms (cache empty)", "yes" if warm <= goal else "no"])  # fmt: skip
        if r.points == HOVER_GOAL_POINTS:
            painted = [h["painted_ms"] for h in r.hovers]
            rows.append(
                [f"hover answered ≤ {HOVER_GOAL_MS} ms at {r.points:,}",
                 f"p50 {statistics.median(painted):,.0f} ms, p95 {percentile(painted, 0.95):,.0f} ms (painted)",
                 "yes" if percentile(painted, 0.95) <= HOVER_GOAL_MS else "no"]
            )  # fmt: skip
    if rows:
        table(["goal (issue #11)", "measured", "met?"], rows, title="Goals")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--opens", type=int, default=4, help="page opens per size (the first with the cache empty)")
    parser.add_argument("--hovers", type=int, default=20)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--bundle", type=Path, help="a folder whose app.js replaces api/viewer/app.js")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    if not Path(args.chromium).is_file():
        raise SystemExit(f"no Chromium at {args.chromium} (apt-get install chromium)")
    if args.points and min(args.points) < STEPS_PER_RUN:
        raise SystemExit(f"--points: at least {STEPS_PER_RUN}")

    from playwright.sync_api import sync_playwright

    print_machine("Viewer: first frame, hover and click in headless Chromium (SwiftShader)")
    version = subprocess.run([args.chromium, "--version"], capture_output=True, text=True, check=False).stdout
    print(f"- browser: {version.strip()}; viewport {VIEWPORT['width']}x{VIEWPORT['height']}")
    bundle = (args.bundle or REPO_ROOT / "api" / "viewer") / "app.js"
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()[:12]
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(bundle.stat().st_mtime))
    print(f"- bundle: {bundle} (sha256 {digest}, built {built})\n")
    results = []
    with sync_playwright() as playwright:
        for n in args.points:
            work = Path(tempfile.mkdtemp(prefix=f"logviz-bench-viewer-{n}-"))
            try:
                results.append(measure_size(playwright, n, args, work))
            finally:
                shutil.rmtree(work, ignore_errors=True)
            print(f"- {n:,} points measured; load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
            print(f"  ({results[-1].isolated:,} isolated points to pick from)\n", flush=True)
    report(results)
    print_load()


if __name__ == "__main__":
    main()
