"""The map viewer in headless Chromium, against the real API over a really loaded and indexed store.

The page is driven with real mouse events at the positions its `window.logviz` hook reports for
a point, and read back through that hook and the DOM. What it should show comes from the DuckDB
file read directly. Fixtures (the store, the API process, the browser) are in conftest.py.
"""

from __future__ import annotations

import io
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.helpers.store import duck
from tests.viewer.conftest import HOSTILE_TEXT, TOKEN, Site

pytestmark = [pytest.mark.e2e, pytest.mark.model]

# The columns a point's kind, tool and run come from, with the placed/pending split the API uses.
POINTS_SQL = """
    SELECT r.record_id, r.kind, r.tool_name, r.run_id, r.text, r.tool_args,
           p.x IS NOT NULL AS placed, (r.text_hash IS NOT NULL AND p.x IS NULL) AS pending
    FROM records AS r LEFT JOIN points AS p USING (text_hash)
"""


def rows(site: Site) -> dict[str, dict]:
    names = ("id", "kind", "tool_name", "run_id", "text", "tool_args", "placed", "pending")
    return {row[0]: dict(zip(names, row, strict=True)) for row in duck(site.db, POINTS_SQL)}


def run_steps(site: Site, run_id: str) -> list[str]:
    """A run's steps in order, as the trajectory lists them (the run's own record is not a step)."""
    found = duck(
        site.db,
        "SELECT record_id FROM records WHERE run_id = ? AND kind <> 'run' ORDER BY seq NULLS LAST, record_id",
        [run_id],
    )
    return [r[0] for r in found]


def test_page_and_assets_are_served_with_a_policy_that_bars_inline_script(site: Site) -> None:
    page = httpx.get(f"{site.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    for asset in ("app.js", "style.css", "THIRD_PARTY_LICENSES.txt"):
        response = httpx.get(f"{site.url}/viewer/{asset}")
        assert response.status_code == 200, asset
    licences = httpx.get(f"{site.url}/viewer/THIRD_PARTY_LICENSES.txt").text
    for package in ("regl-scatterplot", "apache-arrow", "regl "):
        assert package in licences
    assert httpx.get(f"{site.url}/viewer/.built-from").status_code == 404
    assert httpx.get(f"{site.url}/viewer/..%2Fmain.py").status_code == 404


def test_every_point_is_drawn_and_the_pending_ones_counted(site: Site, open_viewer) -> None:
    expected = rows(site)
    placed = sum(r["placed"] for r in expected.values())
    pending = sum(r["pending"] for r in expected.values())
    assert pending > 0, "the fixture should have left the late file's steps pending"

    viewer = open_viewer(f"{site.url}/")
    counts = viewer.js("() => ({all: logviz.pointCount, placed: logviz.placedCount, pending: logviz.pendingCount})")
    assert counts == {"all": len(expected), "placed": placed, "pending": pending}
    assert set(viewer.js("() => logviz.ids()")) == set(expected)
    assert len(viewer.positions()) == placed
    assert f"{pending} pending" in viewer.page.inner_text("#status")

    # The WebGL canvas really holds the points: count the pixels that are not background.
    picture = np.asarray(Image.open(io.BytesIO(viewer.page.locator("#points").screenshot())).convert("RGB"))
    distance = np.abs(picture.astype(int) - picture[1, 1].astype(int)).max(axis=2)
    coloured = int((distance > 40).sum())
    assert coloured > placed * 4, f"only {coloured} non-background pixels for {placed} points"


def test_hover_shows_the_tooltip_of_the_record_under_the_mouse(site: Site, open_viewer) -> None:
    expected = rows(site)
    viewer = open_viewer(f"{site.url}/")
    candidates = {i for i, r in expected.items() if r["placed"] and r["kind"] == "tool_call" and r["tool_name"]}
    record_id, at = viewer.isolated(candidates)

    viewer.page.mouse.move(at["x"] - 30, at["y"] - 30)
    viewer.page.mouse.move(at["x"], at["y"], steps=4)
    tip = viewer.wait("() => { const t = logviz.tooltip(); return t && t.loaded && t; }", what="the tooltip's text")
    assert tip["id"] == record_id
    shown = viewer.page.inner_text("#tooltip")
    assert expected[record_id]["kind"] in shown and expected[record_id]["tool_name"] in shown
    # A tool call's text is its tool and arguments; the tooltip shows the first line of it.
    step = expected[record_id]
    first_line = step["text"] or f"{step['tool_name']} {step['tool_args']}"
    assert first_line.splitlines()[0][:40] in shown

    viewer.page.mouse.move(at["x"] + 200, at["y"] + 200, steps=4)
    viewer.wait("() => logviz.tooltip() === null", what="the tooltip to go when the mouse leaves the point")


def test_click_opens_the_record_and_draws_its_run_in_order(site: Site, open_viewer) -> None:
    expected = rows(site)
    viewer = open_viewer(f"{site.url}/")
    multi_step_runs = {
        run_id for run_id, n in Counter(r["run_id"] for r in expected.values() if r["placed"]).items() if n >= 6
    }
    candidates = {
        i for i, r in expected.items() if r["placed"] and r["kind"] != "run" and r["run_id"] in multi_step_runs
    }
    record_id, at = viewer.isolated(candidates)
    run_id = expected[record_id]["run_id"]
    steps = run_steps(site, run_id)

    # Onto the point first, as a hand would: the camera (dom-2d-camera) reads the mouse once a frame,
    # and a move and a press within one slow software-GL frame would pan the map by the whole move.
    viewer.page.mouse.move(at["x"] - 30, at["y"] - 30)
    viewer.page.mouse.move(at["x"], at["y"], steps=4)
    viewer.wait("(id) => logviz.tooltip()?.id === id", record_id, what="the hover on the point")
    viewer.page.mouse.click(at["x"], at["y"])
    try:
        viewer.wait("(id) => logviz.selection() === id", record_id, what="the clicked point to be selected")
    except AssertionError as err:
        state = viewer.js(
            "(id) => ({selection: logviz.selection(), at: logviz.project(id), events: logviz.events()})", record_id
        )
        state["clicked"] = at
        raise AssertionError(f"{err}; the page: {state}") from None
    trajectory = viewer.wait(
        "() => { const t = logviz.trajectory(); return t && t.drawnSegments > 0 && t; }", what="the run's path"
    )
    assert trajectory["runId"] == run_id
    assert trajectory["ids"] == steps
    placed_steps = [s for s in steps if expected[s]["placed"]]
    assert trajectory["drawnSteps"] == len(placed_steps)
    assert trajectory["drawnSegments"] == len(placed_steps) - 1

    panel = viewer.page.locator("#panel")
    index = steps.index(record_id)
    assert f"step {index + 1} of {len(steps)}" in panel.inner_text()
    assert record_id in panel.inner_text()
    if expected[record_id]["text"]:
        assert expected[record_id]["text"].splitlines()[0][:40] in panel.inner_text()

    # Next and previous move along the run, and the URL follows the selection.
    if index + 1 < len(steps):
        viewer.page.click("#next")
        viewer.wait("(id) => logviz.selection() === id", steps[index + 1], what="the next step")
        viewer.page.click("#prev")
        viewer.wait("(id) => logviz.selection() === id", record_id, what="the previous step")
    assert parse_qs(urlsplit(viewer.page.url).query)["sel"] == [record_id]

    # Opened from that URL, the page selects the step again and draws its run.
    again = open_viewer(viewer.page.url)
    assert again.js("() => logviz.selection()") == record_id
    restored = again.wait("() => { const t = logviz.trajectory(); return t && t.drawnSegments > 0 && t; }")
    assert restored["ids"] == steps and restored["drawnSegments"] == trajectory["drawnSegments"]


def test_search_lists_and_highlights_the_hits_and_a_hit_selects_its_point(site: Site, open_viewer) -> None:
    expected = rows(site)
    mentions = {i for i, r in expected.items() if "jitter" in (r["text"] or "").lower()}
    assert mentions, "the demo corpus should mention jitter"
    viewer = open_viewer(f"{site.url}/")

    viewer.page.fill("#search-input", "jitter")
    viewer.page.select_option("#search-mode", "text")
    viewer.page.press("#search-input", "Enter")
    hits = viewer.wait("() => logviz.searchHits().length && logviz.searchHits()", what="search hits")
    assert set(hits) == mentions
    highlighted = viewer.wait(
        "(n) => logviz.highlighted().length === n && logviz.highlighted()",
        sum(expected[h]["placed"] for h in hits),
        what="every placed hit to be ringed on the map",
    )
    assert set(highlighted) == {h for h in hits if expected[h]["placed"]}
    assert viewer.page.locator("#hits li").count() == len(hits)
    query = parse_qs(urlsplit(viewer.page.url).query)
    assert query["q"] == ["jitter"] and query["mode"] == ["text"]

    viewer.page.locator("#hits li button").nth(1).click()
    viewer.wait("(id) => logviz.selection() === id", hits[1], what="the clicked hit to be selected")


def test_colour_by_fills_the_legend_hides_entries_and_dims_filtered_points(site: Site, open_viewer) -> None:
    expected = rows(site)
    viewer = open_viewer(f"{site.url}/")
    by_kind = Counter(r["kind"] for r in expected.values())
    assert {e["label"]: e["count"] for e in viewer.js("() => logviz.legend()")} == by_kind

    viewer.page.select_option("#color-by", "tool")
    by_tool = Counter(r["tool_name"] or "(none)" for r in expected.values())
    legend = viewer.wait(
        "() => logviz.colorBy() === 'tool' && logviz.legend()[0]?.field === 'tool' && logviz.legend()",
        what="the tool legend",
    )
    assert {e["label"]: e["count"] for e in legend} == by_tool
    assert [e["count"] for e in legend] == sorted(by_tool.values(), reverse=True)
    assert len({e["colour"] for e in legend}) == len(legend)

    # Clicking an entry hides its points (and clicking again would show them).
    tool = next(e["label"] for e in legend if e["label"] != "(none)")
    placed = [r for r in expected.values() if r["placed"]]
    viewer.page.locator(f'#legend button[data-label="{tool}"]').click()
    visible = len(placed) - sum(r["tool_name"] == tool for r in placed)
    viewer.wait("(n) => logviz.visibleCount === n", visible, what=f"{tool} points to be hidden")
    assert next(e for e in viewer.js("() => logviz.legend()") if e["label"] == tool)["hidden"] is True

    # A filter dims what does not match.
    viewer.page.select_option("#filter-kind", "tool_result")
    dimmed = sum(r["kind"] != "tool_result" for r in placed)
    viewer.wait("(n) => logviz.dimmedCount === n", dimmed, what="non-matching points to be dimmed")

    # The state is in the URL: the same view opens from it.
    query = parse_qs(urlsplit(viewer.page.url).query)
    assert query["color"] == ["tool"] and query["hide"] == [tool] and query["kind"] == ["tool_result"]
    again = open_viewer(viewer.page.url)
    assert again.js("() => logviz.colorBy()") == "tool"
    assert again.js("() => logviz.visibleCount") == visible
    assert again.js("() => logviz.dimmedCount") == dimmed
    assert again.page.input_value("#filter-kind") == "tool_result"


def test_markup_and_script_in_a_log_are_shown_as_text_and_never_run(site: Site, open_viewer) -> None:
    expected = rows(site)
    hostile = {i for i, r in expected.items() if r["text"] == HOSTILE_TEXT}
    assert hostile, "the hostile conversation should be in the store"
    # Without the page's CSP, so that only the way the page inserts text stands between the log and the DOM.
    viewer = open_viewer(f"{site.url}/", bypass_csp=True)
    record_id = next(i for i in sorted(hostile) if expected[i]["kind"] != "run")
    at = viewer.js("(id) => logviz.project(id)", record_id)

    viewer.page.mouse.move(at["x"] - 30, at["y"] - 30)
    viewer.page.mouse.move(at["x"], at["y"], steps=4)
    tip = viewer.wait("() => { const t = logviz.tooltip(); return t && t.loaded && t; }", what="the tooltip")
    assert tip["id"] in hostile and "<script>" in tip["text"]
    viewer.page.mouse.click(at["x"], at["y"])  # the mouse is already there: no pan (see the click test)
    viewer.wait("(ids) => ids.includes(logviz.selection())", sorted(hostile), what="the hostile step to be selected")
    viewer.wait("() => document.querySelector('#panel pre.text')", what="the panel's text")
    assert HOSTILE_TEXT in viewer.page.inner_text("#panel pre.text")

    viewer.page.fill("#search-input", "review markup")
    viewer.page.select_option("#search-mode", "text")
    viewer.page.press("#search-input", "Enter")
    viewer.wait("(ids) => logviz.searchHits().some((id) => ids.includes(id))", sorted(hostile), what="the search hit")
    viewer.page.wait_for_timeout(300)  # time for an injected image to fail to load and fire onerror

    assert viewer.js("() => window.__pwned === undefined") is True
    injected = "#panel script, #panel img, #panel b, #tooltip img, #hits img, #hits b"
    assert viewer.js("(sel) => document.querySelectorAll(sel).length", injected) == 0


def test_an_empty_store_says_how_to_add_logs(empty_site: Site, open_viewer) -> None:
    viewer = open_viewer(f"{empty_site.url}/")
    assert viewer.js("() => logviz.pointCount") == 0
    message = viewer.page.locator("#empty")
    assert message.is_visible()
    text = message.inner_text()
    assert "LOGVIZ_SOURCES" in text and "Load" in text and "Index" in text


def test_with_a_token_the_page_asks_for_it_and_then_shows_the_map(site: Site, token_site: Site, open_viewer) -> None:
    total = duck(site.db, "SELECT count(*) FROM records")[0][0]
    viewer = open_viewer(f"{token_site.url}/", expect_error=True)
    assert viewer.js("() => logviz.pointCount") == 0
    viewer.page.locator("#token-form").wait_for(state="visible")
    viewer.errors.clear()  # the browser logs the 401 that made the page ask
    viewer.page.fill("#token-input", TOKEN)
    viewer.page.press("#token-input", "Enter")
    viewer.page.wait_for_load_state()
    viewer.wait(
        "(n) => window.logviz && logviz.ready && logviz.pointCount === n", total, what="the map after the token"
    )
    assert viewer.js("() => logviz.error") is None


def test_a_subagent_run_opens_from_the_step_that_started_it_and_back(site: Site, open_viewer) -> None:
    spawning = duck(site.db, "SELECT record_id, spawned_run_id FROM records WHERE spawned_run_id IS NOT NULL")
    assert spawning, "the demo corpus has a subagent"
    record_id, child_run = sorted(spawning)[0]
    (parent_call,) = duck(site.db, "SELECT parent_id FROM records WHERE kind = 'run' AND run_id = ?", [child_run])[0]
    viewer = open_viewer(f"{site.url}/")

    viewer.js("(id) => logviz.select(id)", record_id)
    viewer.page.locator("#open-spawned").click()
    first = run_steps(site, child_run)[0]
    viewer.wait("(id) => logviz.selection() === id", first, what="the subagent run's first step")
    viewer.wait("(run) => logviz.trajectory()?.runId === run", child_run, what="the subagent's path")

    viewer.page.locator("#open-parent").click()
    viewer.wait("(id) => logviz.selection() === id", parent_call, what="the call that started the subagent")


def test_colour_and_filter_by_project_and_dim_outside_a_time_range(site: Site, open_viewer) -> None:
    found = duck(
        site.db,
        "SELECT r.record_id, r.project, epoch_ms(r.ts_start), p.x IS NOT NULL "
        "FROM records AS r LEFT JOIN points AS p USING (text_hash)",
    )
    by_project = Counter(project or "(none)" for _, project, _, _ in found)
    assert len(by_project) >= 3, "the demo corpus spans several projects"
    viewer = open_viewer(f"{site.url}/?color=project")
    legend = viewer.js("() => logviz.legend()")
    assert {e["label"]: e["count"] for e in legend} == by_project

    placed = [(project or "(none)", ms) for _, project, ms, is_placed in found if is_placed]
    project = next(label for label in by_project if label != "(none)")
    viewer.page.select_option("#filter-project", project)
    dimmed = sum(p != project for p, _ in placed)
    viewer.wait("(n) => logviz.dimmedCount === n", dimmed, what=f"steps outside {project} to be dimmed")
    viewer.page.select_option("#filter-project", "")
    viewer.wait("() => logviz.dimmedCount === 0", what="the project filter to be lifted")

    # A time range from the median step's minute: earlier steps, and steps without a time, are dimmed.
    times = sorted(ms for _, ms in placed if ms is not None)
    since_ms = times[len(times) // 2] // 60_000 * 60_000
    since = np.datetime_as_string(np.datetime64(since_ms, "ms"), unit="m")
    viewer.page.fill("#filter-since", since)
    viewer.page.dispatch_event("#filter-since", "change")
    outside = sum(ms is None or ms < since_ms for _, ms in placed)
    viewer.wait("(n) => logviz.dimmedCount === n", outside, what=f"steps before {since} to be dimmed")
    assert 0 < outside < len(placed)
    assert parse_qs(urlsplit(viewer.page.url).query)["since"] == [since]
    # The same view opens from the URL.
    again = open_viewer(viewer.page.url)
    assert again.js("() => logviz.dimmedCount") == outside
    assert again.page.input_value("#filter-since") == since
