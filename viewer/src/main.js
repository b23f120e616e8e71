// The logviz map: every step from GET /points drawn with WebGL (regl-scatterplot), coloured,
// filtered and searched here; hover for a tooltip, click for the whole record and its run. The
// page finds the point under the mouse itself (picking.js): regl-scatterplot's hover redraws
// every point, which at 1M points in software GL takes half a second.
// The points are refreshed in place (an ETag poll, and after a Load or Index started from the
// page): new points appear where they belong, and the camera does not move.
// `window.logviz` is a small read-only view of the page's state for tests and scripts.

import { ApiError, getJSON, getPoints, RecordCache } from './api.js';
import { renderFilters, timeBounds, wireControls } from './controls.js';
import { $, fmtInt } from './dom.js';
import { askForToken, hideEmpty, showEmpty } from './empty.js';
import { JobButtons } from './jobs.js';
import { renderLegend } from './legend.js';
import { whenIdle } from './idle.js';
import { cameraOf, createMap, NO_SPATIAL_INDEX } from './map.js';
import { Overlay } from './overlay.js';
import { palette } from './palette.js';
import { Panel } from './panel.js';
import { Picker } from './picking.js';
import { SearchList } from './search.js';
import { readState, writeState } from './state.js';
import { NONE, PointTable } from './table.js';
import { Tooltip } from './tooltip.js';

const POLL_MS = 15_000; // how often an open page asks whether the map changed (a 304 while not)

const state = readState();
const records = new RecordCache();
let table = null;
let etag = null;
let scatterplot = null;
let picker = null;
let hovered = -1; // the draw index under the mouse, −1 for none
let overlay = null;
let trajectory = null; // {run, steps, ids}
let hits = []; // [{id, score, text, point}]
let legendEntries = [];
let visibleCount = 0;
let dimmedCount = 0;
let runTitles = null;
let selectionToken = 0;
let cameraTimer = 0;
let cameraMoved = false; // by the user (or by the URL), as opposed to the opening view
let refreshes = 0;
// When things happened (performance.now(), ms since navigation began), for bench/viewer.py.
const timings = { pointsFetched: null, tableBuilt: null, firstFrame: null, lastMove: null, lastTooltip: null };

const mapEl = $('#map');
const pointsEl = $('#points');
const tooltip = new Tooltip($('#tooltip'), mapEl, records);
const panel = new Panel($('#panel'), {
  records,
  onSelect: (id) => select(id, { centre: true }),
  onClose: () => clearSelection(),
});
panel.hide();
const searchList = new SearchList($('#hits'), $('#search-info'), {
  onSelect: (id) => select(id, { centre: true }),
  isOnMap: (id) => drawIndexOf(id) >= 0,
});
const jobs = new JobButtons({ load: $('#run-load'), index: $('#run-index') }, $('#job-status'), () => refresh());

function setStatus(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function renderCounts() {
  const parts = [`${fmtInt(table.size)} steps`, `${fmtInt(table.placedCount)} on the map`];
  parts.push(`${fmtInt(table.pendingCount)} pending${table.pendingCount ? ' (run Index to place them)' : ''}`);
  if (table.unplaceableCount) parts.push(`${fmtInt(table.unplaceableCount)} without text`);
  setStatus(parts.join(' · '));
}

// ---------------------------------------------------------------- drawing

function dimmer() {
  // Each filter as its category code (−1: a value no step has, so every step is dimmed).
  const filters = Object.entries(state.filters).map(([field, value]) => {
    const cats = table.categories(field);
    return [cats.codes, cats.codeOf.get(value) ?? -1];
  });
  const [since, until] = timeBounds(state);
  return (row) => {
    for (const [codes, code] of filters) {
      if (codes[row] !== code) return true;
    }
    if (since === null && until === null) return false;
    const ms = table.time[row];
    if (Number.isNaN(ms)) return true; // a step without a time is in no range
    return (since !== null && ms < since) || (until !== null && ms >= until);
  };
}

/** Colours, dimming and hidden categories onto the drawn points; the legend with them. */
async function paint() {
  const cats = table.categories(state.color);
  const colours = palette(state.color, cats.labels);
  if (scatterplot) {
    const n = table.placedCount;
    const valueA = new Float32Array(n);
    const valueB = new Float32Array(n);
    const isDimmed = dimmer();
    dimmedCount = 0;
    for (let d = 0; d < n; d += 1) {
      const row = table.rowAt[d];
      valueA[d] = cats.codes[row];
      valueB[d] = isDimmed(row) ? 1 : 0;
      dimmedCount += valueB[d];
    }
    scatterplot.set({ pointColor: colours.length > 1 ? colours : colours[0] ?? '#8c96a5' });
    await scatterplot.draw(
      { x: table.nx, y: table.ny, valueA, valueB },
      { zDataType: 'categorical', wDataType: 'categorical', spatialIndex: NO_SPATIAL_INDEX },
    );
    // The picker takes new positions once regl-scatterplot draws them (it reads the view from them).
    if (picker.nx !== table.nx) picker.setPoints(table.nx, table.ny);
  }
  applyHidden(cats);
  legendEntries = renderLegend(cats, colours, state.hidden, runTitles, toggleHidden);
  markSelected();
  overlay?.request();
}

function applyHidden(cats) {
  const hiddenCodes = new Set();
  for (const label of state.hidden) {
    const code = cats.codeOf.get(label);
    if (code !== undefined) hiddenCodes.add(code);
  }
  picker?.setHidden(null);
  if (!hiddenCodes.size) {
    visibleCount = table.placedCount;
    if (scatterplot) scatterplot.unfilter({ preventEvent: true });
    return;
  }
  const visible = [];
  const hiddenMask = new Uint8Array(table.placedCount);
  for (let d = 0; d < table.placedCount; d += 1) {
    if (hiddenCodes.has(cats.codes[table.rowAt[d]])) hiddenMask[d] = 1;
    else visible.push(d);
  }
  visibleCount = visible.length;
  picker?.setHidden(hiddenMask);
  if (scatterplot) scatterplot.filter(visible, { preventEvent: true });
}

/** The selection into regl-scatterplot; only if it changed, as every change redraws every point. */
function markSelected() {
  if (!scatterplot) return;
  const d = drawIndexOf(state.selection);
  const marked = scatterplot.get('selectedPoints');
  if (d >= 0) {
    if (marked.length !== 1 || marked[0] !== d) scatterplot.select([d], { preventEvent: true });
  } else if (marked.length) {
    scatterplot.deselect({ preventEvent: true });
  }
}

function drawIndexOf(id) {
  if (!id || !table) return -1;
  const row = table.rowOf(id);
  return row === undefined ? -1 : table.drawOf[row];
}

function screenOf(id) {
  const d = drawIndexOf(id);
  if (d < 0 || !scatterplot || !scatterplot.get('isPointsDrawn')) return null;
  const pos = scatterplot.getScreenPosition(d);
  return pos ? [pos[0], pos[1]] : null;
}

function overlaySource() {
  return {
    hits: hits.map((hit) => ({ id: hit.id, pos: screenOf(hit.id) })),
    path: trajectory ? trajectory.ids.map((id) => ({ id, pos: screenOf(id) })) : [],
    current: state.selection ? { id: state.selection, pos: screenOf(state.selection) } : null,
    hovered: hovered >= 0 && scatterplot.get('isPointsDrawn') ? { pos: scatterplot.getScreenPosition(hovered) } : null,
  };
}

/** Pan (keeping the zoom) so that draw index `d` is on screen. */
function bringIntoView(d) {
  const [x, y] = scatterplot.getScreenPosition(d);
  const margin = 40;
  if (x > margin && y > margin && x < mapEl.clientWidth - margin && y < mapEl.clientHeight - margin) return;
  cameraMoved = true;
  scatterplot.zoomToLocation([table.nx[d], table.ny[d]], scatterplot.get('cameraDistance'));
}

// ---------------------------------------------------------------- legend, colour, filters

async function toggleHidden(label) {
  if (state.hidden.has(label)) state.hidden.delete(label);
  else state.hidden.add(label);
  writeState(state);
  const cats = table.categories(state.color);
  applyHidden(cats);
  legendEntries = renderLegend(cats, palette(state.color, cats.labels), state.hidden, runTitles, toggleHidden);
  markSelected();
  overlay?.request();
}

async function setColour(field) {
  state.color = field;
  state.hidden.clear(); // hidden entries belong to the colouring they were hidden in
  writeState(state);
  if (field === 'run') await loadRunTitles();
  await paint();
}

async function loadRunTitles() {
  if (runTitles) return;
  try {
    const body = await getJSON('/runs', { limit: 10_000 });
    runTitles = new Map(body.runs.filter((r) => r.title).map((r) => [r.run_id, r.title]));
  } catch {
    runTitles = new Map(); // the ids alone still make a legend
  }
}

const reactions = {
  colour: (field) => setColour(field),
  filter: () => {
    writeState(state);
    paint();
  },
  showAll: () => {
    state.hidden.clear();
    writeState(state);
    paint();
  },
  search: (query, mode) => search(query, mode),
};

// ---------------------------------------------------------------- selection and trajectory

async function select(id, { centre = false } = {}) {
  if (!id) return;
  const token = (selectionToken += 1);
  state.selection = id;
  writeState(state);
  markSelected();
  const d = drawIndexOf(id);
  if (centre && d >= 0) bringIntoView(d);
  overlay?.request();
  panel.loading(id);
  let record;
  try {
    record = await records.get(id);
  } catch (err) {
    if (token === selectionToken) panel.error(err.status === 404 ? `No record ${id} in the store.` : err.message);
    return;
  }
  if (token !== selectionToken) return;
  if (trajectory?.run.run_id !== record.run_id) {
    trajectory = null;
    try {
      const body = await records.trajectory(record.run_id);
      if (token !== selectionToken) return;
      trajectory = { ...body, ids: body.steps.map((step) => step.point.id) };
    } catch {
      trajectory = null; // a record whose run has no summary still shows, without a path
    }
  }
  if (token !== selectionToken) return;
  panel.show(record, trajectory);
  overlay?.request();
}

function clearSelection() {
  selectionToken += 1;
  state.selection = null;
  trajectory = null;
  writeState(state);
  markSelected();
  panel.hide();
  overlay?.request();
}

function step(offset) {
  if (!trajectory || !state.selection) return;
  const index = trajectory.ids.indexOf(state.selection);
  const next = trajectory.ids[index + offset];
  if (next) select(next, { centre: true });
}

// ---------------------------------------------------------------- search

async function search(query, mode) {
  state.query = query.trim();
  state.mode = mode;
  writeState(state);
  const found = await searchList.run(state.query, mode);
  if (found === null) return; // overtaken by a later search
  hits = found;
  overlay?.request();
}

// ---------------------------------------------------------------- camera in the URL

function saveCamera() {
  clearTimeout(cameraTimer);
  cameraTimer = setTimeout(() => {
    if (!cameraMoved) return; // the view the page opened with: nothing worth a URL parameter
    const { target, distance } = cameraOf(scatterplot);
    state.camera = [...table.toData(target), distance];
    writeState(state);
  }, 250);
}

function restoreCamera() {
  if (!state.camera) return;
  cameraMoved = true;
  const [x, y, distance] = state.camera;
  scatterplot.set({ cameraTarget: table.toNormalised([x, y]), cameraDistance: distance });
}

// ---------------------------------------------------------------- the map's events

const events = []; // the map's last events, for the test hook: what a failed test saw happen

function logEvent(...what) {
  events.push([Math.round(performance.now()), ...what]);
  if (events.length > 50) events.shift();
}

/** Show the tooltip of draw index `d` (−1: none) and ring it on the overlay. */
function hoverPoint(d) {
  if (d === hovered) return;
  hovered = d;
  if (d >= 0) {
    tooltip.show(table, table.rowAt[d]);
    timings.lastTooltip = performance.now();
  } else {
    tooltip.hide();
  }
  overlay.request();
}

/** The draw index of the point under a mouse event, or −1 (also while new points are being drawn). */
function pointAt(event) {
  if (picker.nx !== table.nx || !scatterplot.get('isPointsDrawn')) return -1;
  const box = pointsEl.getBoundingClientRect();
  return picker.pick(event.clientX - box.left, event.clientY - box.top);
}

function wireMap() {
  // regl-scatterplot has no spatial index of the points (map.js), so its own hover and click find
  // nothing, and never redraw: both are picked here.
  mapEl.addEventListener('mousemove', (event) => {
    timings.lastMove = performance.now();
    tooltip.moveTo(event.clientX, event.clientY);
    hoverPoint(event.buttons === 0 ? pointAt(event) : -1); // no tooltip while a drag moves the map
  });
  mapEl.addEventListener('mouseleave', () => hoverPoint(-1));
  let pressedAt = [NaN, NaN];
  mapEl.addEventListener('mousedown', (event) => {
    pressedAt = [event.clientX, event.clientY];
  });
  mapEl.addEventListener('click', (event) => {
    if (Math.hypot(event.clientX - pressedAt[0], event.clientY - pressedAt[1]) > 2) return; // a drag's end
    const d = pointAt(event);
    logEvent('click on', d);
    const id = d >= 0 ? table.idAt(table.rowAt[d]) : null;
    if (id && id !== state.selection) select(id);
  });
  // A double click (or Escape) deselects, through regl-scatterplot's own handlers.
  scatterplot.subscribe('deselect', () => {
    logEvent('deselect');
    clearSelection();
  });
  for (const type of ['mousedown', 'mouseup', 'click', 'dblclick']) {
    pointsEl.addEventListener(type, (event) => logEvent(type, event.offsetX, event.offsetY, event.buttons));
  }
  scatterplot.subscribe('view', () => {
    overlay.request();
    saveCamera();
  });
  for (const type of ['wheel', 'mousedown', 'touchstart']) {
    mapEl.addEventListener(type, () => {
      cameraMoved = true;
    }, { passive: true });
  }
  new ResizeObserver(() => overlay.resize(mapEl.clientWidth, mapEl.clientHeight)).observe(mapEl);
}

document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if (event.key === 'ArrowLeft') step(-1);
  else if (event.key === 'ArrowRight') step(1);
  else if (event.key === 'Escape' && state.selection) clearSelection();
});

// ---------------------------------------------------------------- points: the first load and refreshes

/** Take new points: keep the frame of the points shown (so nothing on screen moves), draw. */
async function usePoints(arrow) {
  const frame = table?.placedCount ? table.frame : null;
  table = new PointTable(arrow, frame);
  timings.tableBuilt ??= performance.now();
  renderCounts();
  renderFilters(table, state, reactions);
  if (table.placedCount === 0) {
    showEmpty(table);
  } else if (!scatterplot) {
    hideEmpty();
    scatterplot = createMap(pointsEl, mapEl, table.placedCount);
    picker = new Picker((d) => scatterplot.getScreenPosition(d));
    overlay = new Overlay($('#overlay'));
    overlay.source = overlaySource;
    overlay.resize(mapEl.clientWidth, mapEl.clientHeight);
    wireMap();
  }
  if (picker) hoverPoint(-1); // the points moved under the mouse
  await paint();
  // What hovering and looking up by id will need, made while nothing else is waiting.
  const current = table;
  whenIdle(() => {
    if (current !== table) return; // replaced already
    picker?.prepare();
    current.prepareIds();
  });
}

let refreshing = null;

/** Ask whether the points changed (an ETag round trip) and take them if so; true if they did. */
function refresh() {
  refreshing ??= (async () => {
    try {
      const got = await getPoints(etag);
      if (!got) return false;
      etag = got.etag;
      await usePoints(got.table);
      refreshes += 1;
      records.forgetRuns(); // a run may have grown: its path is fetched again when next shown
      if (trajectory) {
        const run = trajectory.run.run_id;
        trajectory = null;
        if (state.selection) await select(state.selection);
        else logEvent('refresh dropped the path of', run);
      }
      return true;
    } catch (err) {
      logEvent('refresh failed', err.message);
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function start() {
  setStatus('Loading points…');
  let got;
  try {
    got = await getPoints();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      askForToken('Enter the value of LOGVIZ_API_TOKEN the API was started with; it is kept for this tab only.');
      setStatus('The API needs a token.', true);
    } else {
      setStatus(`Could not load the points: ${err.message}`, true);
    }
    hook.error = err.message;
    hook.ready = true;
    return;
  }
  timings.pointsFetched = performance.now();
  etag = got.etag;
  wireControls(state, reactions);
  if (state.color === 'run') await loadRunTitles(); // before the first legend
  await usePoints(got.table);
  timings.firstFrame = performance.now();
  if (scatterplot) restoreCamera();
  if (state.query) await search(state.query, state.mode);
  if (state.selection) await select(state.selection);
  setInterval(() => {
    if (document.visibilityState === 'visible' && !jobs.running) refresh();
  }, POLL_MS);
  hook.ready = true;
}

// ---------------------------------------------------------------- test hook

const hook = {
  version: 2,
  ready: false,
  error: null,
  get pointCount() {
    return table?.size ?? 0;
  },
  get placedCount() {
    return table?.placedCount ?? 0;
  },
  get pendingCount() {
    return table?.pendingCount ?? 0;
  },
  get visibleCount() {
    return visibleCount;
  },
  get dimmedCount() {
    return dimmedCount;
  },
  get refreshes() {
    return refreshes;
  },
  colorBy: () => state.color,
  legend: () => legendEntries.map((entry) => ({ ...entry })),
  selection: () => state.selection,
  trajectory: () =>
    trajectory && {
      runId: trajectory.run.run_id,
      ids: [...trajectory.ids],
      drawnSteps: overlay?.last.pathSteps ?? 0,
      drawnSegments: overlay?.last.segments ?? 0,
    },
  searchHits: () => hits.map((hit) => hit.id),
  highlighted: () => [...(overlay?.last.hitIds ?? [])],
  tooltip: () => tooltip.describe(),
  /** A point's position in the page (CSS pixels, as mouse events take them), or null if not drawn. */
  project(id) {
    const pos = screenOf(id);
    if (!pos) return null;
    const box = $('#points').getBoundingClientRect();
    return { x: box.left + pos[0], y: box.top + pos[1] };
  },
  camera: () => (scatterplot ? cameraOf(scatterplot) : null),
  timings: () => ({ ...timings }),
  ids: () => [...(table?.ids ?? [])],
  placedIds: () => {
    const ids = table?.ids ?? [];
    return table ? Array.from(table.rowAt, (row) => ids[row]) : [];
  },
  select: (id) => select(id, { centre: true }),
  refresh: () => refresh(),
  jobs: () => jobs.history.map((answer) => ({ ...answer })),
  overlayDraws: () => overlay?.last.draws ?? 0,
  events: () => events.map((event) => [...event]),
  none: NONE,
};
window.logviz = hook;

start().catch((err) => {
  setStatus(`The viewer failed: ${err.message}`, true);
  hook.error = String(err?.stack ?? err);
  hook.ready = true;
});
