"""The viewer while the map changes: Load and Index started from the page, and the refresh that
follows, against the real API, Dagster webserver and daemon (the `dagster_site` fixture).

A new log arrives; the page's Load button starts a real `load` run and its new steps come back as
pending; the Index button places them. The camera and every point already on the map stay where
they were. Expected values come from the DuckDB file read directly.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers.store import duck
from tests.viewer.conftest import Site

pytestmark = [pytest.mark.e2e, pytest.mark.model]

ARRIVING = [
    {"role": "user", "content": "Our nightly backup to the object store failed with a checksum mismatch."},
    {"role": "assistant", "content": "I will compare the manifest hashes against the uploaded parts."},
    {"role": "user", "content": "Part 14 of the archive was re-uploaded by hand last week."},
]
JOB_SECONDS = 240.0


def counts(site: Site) -> tuple[int, int, int]:
    """(steps, placed, pending) as the DuckDB file holds them."""
    ((steps, placed, pending),) = duck(
        site.db,
        "SELECT count(*), count(p.x), count(*) FILTER (WHERE r.text_hash IS NOT NULL AND p.x IS NULL) "
        "FROM records AS r LEFT JOIN points AS p USING (text_hash)",
    )
    return steps, placed, pending


def run_from_the_page(viewer, job: str) -> None:
    """Press the job's button and wait until the page has seen its run end; fail unless it succeeded."""
    viewer.page.click(f"#run-{job}")
    ended = viewer.wait(
        "(job) => logviz.jobs().find((a) => a.job === job && ['SUCCESS', 'FAILURE', 'CANCELED'].includes(a.status))",
        job,
        timeout=JOB_SECONDS,
        what=f"the {job} run started from the page to end",
    )
    assert ended["status"] == "SUCCESS", viewer.page.text_content("#job-status")


def test_load_and_index_from_the_page_add_points_without_moving_the_camera(dagster_site: Site, open_viewer) -> None:
    site = dagster_site
    viewer = open_viewer(f"{site.url}/")
    steps_before, placed_before, _ = counts(site)
    assert viewer.js("() => logviz.placedCount") == placed_before > 0
    # Zoom in a little, as a user would, so that an unmoved camera is not just the opening view.
    box = viewer.page.locator("#points").bounding_box()
    viewer.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    viewer.page.mouse.wheel(0, -240)
    viewer.wait("() => logviz.camera().distance < 0.99", what="the camera to zoom in")
    viewer.page.wait_for_timeout(400)
    camera = viewer.js("() => logviz.camera()")
    before = viewer.positions()

    (site.sources / "arriving").mkdir()
    (site.sources / "arriving" / "backup-incident.json").write_text(json.dumps(ARRIVING), encoding="utf-8")

    run_from_the_page(viewer, "load")
    steps, placed, pending = counts(site)
    assert steps > steps_before and pending > 0 and placed == placed_before
    viewer.wait("(n) => logviz.pendingCount === n", pending, what="the new steps to show as pending")
    assert viewer.js("() => logviz.pointCount") == steps
    assert "load done" in viewer.page.text_content("#job-status")

    run_from_the_page(viewer, "index")
    _, placed_after, pending_after = counts(site)
    assert placed_after > placed_before and pending_after == 0
    viewer.wait("(n) => logviz.placedCount === n && logviz.pendingCount === 0", placed_after, what="new points")
    assert "index done" in viewer.page.text_content("#job-status")
    # While a run was in flight the page showed its answers; each ended one says so once.
    answers = viewer.js("() => logviz.jobs()")
    assert [a["status"] for a in answers if a["status"] in ("SUCCESS", "FAILURE")] == ["SUCCESS", "SUCCESS"]
    assert all(a["progress"] is None or 0 <= a["progress"]["done"] <= a["progress"]["total"] for a in answers)

    # Nothing moved: the same camera, and every earlier point at the same place on the screen.
    assert viewer.js("() => logviz.camera()") == camera
    after = viewer.positions()
    moved = [i for i, p in before.items() if abs(after[i]["x"] - p["x"]) > 0.5 or abs(after[i]["y"] - p["y"]) > 0.5]
    assert not moved, f"{len(moved)} of {len(before)} points moved on screen, e.g. {moved[:3]}"
    assert len(before) == placed_before and len(after) == placed_after


def test_a_page_left_open_picks_up_new_points_by_itself(dagster_site: Site, open_viewer) -> None:
    # Something else (the sensor, another page, the API) changes the map: the page's ETag poll sees it.
    site = dagster_site
    viewer = open_viewer(f"{site.url}/")
    assert viewer.js("() => logviz.refresh()") is False  # nothing changed: a 304, nothing redrawn
    assert viewer.js("() => logviz.refreshes") == 0
    (site.sources / "arriving-2").mkdir()
    (site.sources / "arriving-2" / "cache.json").write_text(
        json.dumps([{"role": "user", "content": "Why does the build cache miss on every CI run?"}]), encoding="utf-8"
    )
    run = httpx.post(f"{site.url}/load", timeout=30).json()
    for _ in range(int(JOB_SECONDS)):
        status = httpx.get(f"{site.url}/jobs/{run['run_id']}", timeout=30).json()["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        viewer.page.wait_for_timeout(1000)
    assert status == "SUCCESS"
    steps, _, pending = counts(site)
    # The page's own poll (every 15 s) may have taken the change already: then there is nothing new.
    refreshed = viewer.js("() => logviz.refresh()")
    assert refreshed is True or viewer.js("() => logviz.refreshes") == 1
    assert viewer.js("() => [logviz.pointCount, logviz.pendingCount, logviz.refreshes]") == [steps, pending, 1]
