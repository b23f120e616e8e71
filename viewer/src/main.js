// The logviz map: every step from GET /points drawn with WebGL (regl-scatterplot), coloured,
// filtered and searched here; hover for a tooltip, click for the whole record and its run.
// `window.logviz` is a small read-only view of the page's state for tests and scripts.

import createScatterplot from 'regl-scatterplot';
import { ApiError, getJSON, getPoints, RecordCache, setToken } from './api.js';
import { $, el, firstLines, fmtInt, fmtTime, replaceChildren } from './dom.js';
import { Overlay } from './overlay.js';
import { palette } from './palette.js';
import { Panel, textOf } from './panel.js';
import { MODES, readState, writeState } from './state.js';
import { FIELDS, FILTER_FIELDS, NONE, PointTable } from './table.js';

const LEGEND_MAX = 300; // entries listed; the rest are counted in one line
const SEARCH_K = 100;

const state = readState();
const records = new RecordCache();
let table = null;
let scatterplot = null;
let spatialIndex;
let overlay = null;
let trajectory = null; // {run, steps, ids}
let hits = []; // [{id, row, score, text, point}]
let hovered = null; // {id, row}
let legendEntries = [];
let visibleCount = 0;
let dimmedCount = 0;
let runTitles = null;
let selectionToken = 0;
let searchToken = 0;
let cameraTimer = 0;
let cameraMoved = false; // by the user (or by the URL), as opposed to the opening view
const mouse = { x: 0, y: 0 };

const mapEl = $('#map');
const tooltipEl = $('#tooltip');
const panel = new Panel($('#panel'), {
  records,
  onSelect: (id) => select(id, { centre: true }),
  onClose: () => clearSelection(),
});
panel.hide();

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

function pointSizeFor(n) {
  if (n < 2_000) return 7;
  if (n < 20_000) return 5;
  if (n < 200_000) return 3;
  return 2;
}

function isDimmed(row) {
  for (const [field, value] of Object.entries(state.filters)) {
    if (table.label(field, row) !== value) return true;
  }
  return false;
}

/** Colours, dimming and hidden categories onto the drawn points; the legend with them. */
async function paint() {
  const cats = table.categories(state.color);
  const colours = palette(state.color, cats.labels);
  if (scatterplot) {
    const n = table.placedCount;
    const valueA = new Float32Array(n);
    const valueB = new Float32Array(n);
    dimmedCount = 0;
    for (let d = 0; d < n; d += 1) {
      const row = table.rowAt[d];
      valueA[d] = cats.codes[row];
      valueB[d] = isDimmed(row) ? 1 : 0;
      dimmedCount += valueB[d];
    }
    scatterplot.set({ pointColor: colours.length > 1 ? colours : colours[0] ?? '#8c96a5' });
    // The positions never change here: pass the spatial index back rather than rebuild it.
    await scatterplot.draw(
      { x: table.nx, y: table.ny, valueA, valueB },
      { zDataType: 'categorical', wDataType: 'categorical', spatialIndex },
    );
    spatialIndex ??= scatterplot.get('spatialIndex');
  }
  applyHidden(cats);
  renderLegend(cats, colours);
  markSelected();
  overlay?.request();
}

function applyHidden(cats) {
  const hiddenCodes = new Set();
  for (const label of state.hidden) {
    const code = cats.codeOf.get(label);
    if (code !== undefined) hiddenCodes.add(code);
  }
  if (!hiddenCodes.size) {
    visibleCount = table.placedCount;
    if (scatterplot) scatterplot.unfilter({ preventEvent: true });
    return;
  }
  const visible = [];
  for (let d = 0; d < table.placedCount; d += 1) {
    if (!hiddenCodes.has(cats.codes[table.rowAt[d]])) visible.push(d);
  }
  visibleCount = visible.length;
  if (scatterplot) scatterplot.filter(visible, { preventEvent: true });
}

function markSelected() {
  if (!scatterplot) return;
  const d = drawIndexOf(state.selection);
  if (d >= 0) scatterplot.select([d], { preventEvent: true });
  else scatterplot.deselect({ preventEvent: true });
}

function drawIndexOf(id) {
  if (!id || !table) return -1;
  const row = table.rowOf.get(id);
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

function displayName(label) {
  if (state.color === 'run' && runTitles?.has(label)) return firstLines(runTitles.get(label), 1, 60);
  return label;
}

function renderLegend(cats, colours) {
  legendEntries = cats.labels.map((label, i) => ({
    field: cats.field,
    label,
    name: displayName(label),
    count: cats.counts[i],
    colour: colours[i],
    hidden: state.hidden.has(label),
  }));
  const items = legendEntries.slice(0, LEGEND_MAX).map((entry) => {
    const swatch = el('span', { class: 'swatch' });
    swatch.style.background = entry.colour;
    return el(
      'li',
      { class: entry.hidden ? 'hidden' : null },
      el(
        'button',
        {
          type: 'button',
          title: `${entry.label}: click to ${entry.hidden ? 'show' : 'hide'}`,
          dataset: { label: entry.label },
          'aria-pressed': entry.hidden ? 'false' : 'true',
          onclick: () => toggleHidden(entry.label),
        },
        swatch,
        el('span', { class: 'name', text: entry.name }),
        el('span', { class: 'count', text: fmtInt(entry.count) }),
      ),
    );
  });
  const rest = legendEntries.length - LEGEND_MAX;
  replaceChildren(
    $('#legend'),
    items,
    rest > 0 ? el('li', { class: 'muted', text: `… ${fmtInt(rest)} more` }) : null,
  );
  $('#show-all').hidden = state.hidden.size === 0;
}

async function toggleHidden(label) {
  if (state.hidden.has(label)) state.hidden.delete(label);
  else state.hidden.add(label);
  writeState(state);
  const cats = table.categories(state.color);
  applyHidden(cats);
  renderLegend(cats, palette(state.color, cats.labels));
  markSelected();
  overlay?.request();
}

async function setColour(field) {
  state.color = field;
  state.hidden.clear(); // hidden entries belong to the colouring they were hidden in
  writeState(state);
  if (field === 'run' && !runTitles) {
    try {
      const body = await getJSON('/runs', { limit: 10_000 });
      runTitles = new Map(body.runs.filter((r) => r.title).map((r) => [r.run_id, r.title]));
    } catch {
      runTitles = new Map(); // the ids alone still make a legend
    }
  }
  await paint();
}

function buildControls() {
  const colourSelect = $('#color-by');
  replaceChildren(
    colourSelect,
    Object.entries(FIELDS).map(([field, { title }]) => el('option', { value: field, text: title })),
  );
  colourSelect.value = state.color;
  colourSelect.addEventListener('change', () => setColour(colourSelect.value));

  const filters = FILTER_FIELDS.map((field) => {
    const cats = table.categories(field);
    const select = el(
      'select',
      { id: `filter-${field}`, dataset: { field } },
      el('option', { value: '', text: 'any' }),
      cats.labels.map((label, i) => el('option', { value: label, text: `${label} (${fmtInt(cats.counts[i])})` })),
    );
    const current = state.filters[field];
    if (current !== undefined) {
      if (!cats.codeOf.has(current)) select.append(el('option', { value: current, text: `${current} (0)` }));
      select.value = current;
    }
    select.addEventListener('change', () => {
      if (select.value === '') delete state.filters[field];
      else state.filters[field] = select.value;
      writeState(state);
      paint();
    });
    return el('label', {}, el('span', { text: FIELDS[field].title }), select);
  });
  replaceChildren($('#filters'), filters);

  $('#show-all').addEventListener('click', () => {
    state.hidden.clear();
    writeState(state);
    paint();
  });

  const modeSelect = $('#search-mode');
  replaceChildren(
    modeSelect,
    MODES.map((mode) => el('option', { value: mode, text: mode })),
  );
  modeSelect.value = state.mode;
  $('#search-input').value = state.query;
  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    search($('#search-input').value, modeSelect.value);
  });
  $('#search-clear').addEventListener('click', () => {
    $('#search-input').value = '';
    search('', modeSelect.value);
  });
}

// ---------------------------------------------------------------- tooltip

function showTooltip(row) {
  const id = table.ids[row];
  hovered = { id, row };
  const kind = table.values.kind[row];
  const tool = table.values.tool_name[row];
  const isError = table.values.is_error[row];
  const text = el('div', { class: 'tip-text muted', text: 'loading…' });
  replaceChildren(
    tooltipEl,
    el(
      'div',
      { class: 'tip-head' },
      el('strong', { text: kind }),
      tool ? el('span', { text: ` ${tool}` }) : null,
      isError ? el('span', { class: 'badge error', text: 'error' }) : null,
    ),
    el('div', { class: 'tip-time muted', text: fmtTime(table.time[row]) }),
    text,
  );
  tooltipEl.dataset.id = id;
  tooltipEl.hidden = false;
  placeTooltip();
  records.get(id).then(
    (record) => {
      if (hovered?.id !== id) return;
      text.classList.remove('muted');
      text.textContent = firstLines(textOf(record), 6, 400) || '(no text)';
      tooltipEl.dataset.loaded = id;
      placeTooltip();
    },
    (err) => {
      if (hovered?.id === id) text.textContent = `could not load: ${err.message}`;
    },
  );
}

function hideTooltip() {
  hovered = null;
  tooltipEl.hidden = true;
  delete tooltipEl.dataset.id;
  delete tooltipEl.dataset.loaded;
}

function placeTooltip() {
  if (tooltipEl.hidden) return;
  const box = mapEl.getBoundingClientRect();
  const width = tooltipEl.offsetWidth;
  const height = tooltipEl.offsetHeight;
  let x = mouse.x - box.left + 14;
  let y = mouse.y - box.top + 14;
  if (x + width > box.width) x = Math.max(0, mouse.x - box.left - width - 14);
  if (y + height > box.height) y = Math.max(0, mouse.y - box.top - height - 14);
  tooltipEl.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
}

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
  const token = (searchToken += 1);
  state.query = query.trim();
  state.mode = mode;
  writeState(state);
  const box = $('#hits');
  if (!state.query) {
    hits = [];
    replaceChildren(box);
    $('#search-info').textContent = '';
    overlay?.request();
    return;
  }
  $('#search-info').textContent = 'searching…';
  let body;
  try {
    body = await getJSON('/search', { q: state.query, mode, k: SEARCH_K });
  } catch (err) {
    if (token === searchToken) $('#search-info').textContent = `search failed: ${err.message}`;
    return;
  }
  if (token !== searchToken) return;
  hits = body.hits.map((hit) => ({ id: hit.point.id, score: hit.score, text: hit.text, point: hit.point }));
  const shown = hits.filter((hit) => drawIndexOf(hit.id) >= 0).length;
  $('#search-info').textContent = `${fmtInt(hits.length)} hits (${mode})${shown < hits.length ? `, ${fmtInt(hits.length - shown)} not on the map yet` : ''}`;
  replaceChildren(
    box,
    hits.map((hit) =>
      el(
        'li',
        {},
        el(
          'button',
          { type: 'button', dataset: { id: hit.id }, onclick: () => select(hit.id, { centre: true }) },
          el(
            'span',
            { class: 'hit-head' },
            el('strong', { text: hit.point.kind }),
            hit.point.tool_name ? ` ${hit.point.tool_name}` : null,
            hit.point.pending ? el('span', { class: 'muted', text: ' (pending)' }) : null,
            el('span', { class: 'score', text: hit.score.toFixed(3) }),
          ),
          el('span', { class: 'hit-text', text: firstLines(hit.text ?? '', 2, 160) }),
        ),
      ),
    ),
  );
  overlay?.request();
}

// ---------------------------------------------------------------- camera in the URL

function saveCamera() {
  clearTimeout(cameraTimer);
  cameraTimer = setTimeout(() => {
    if (!cameraMoved) return; // the view the page opened with: nothing worth a URL parameter
    const target = scatterplot.get('cameraTarget');
    state.camera = [...table.toData([target[0], target[1]]), scatterplot.get('cameraDistance')];
    writeState(state);
  }, 250);
}

function restoreCamera() {
  if (!state.camera) return;
  cameraMoved = true;
  const [x, y, distance] = state.camera;
  scatterplot.set({ cameraTarget: table.toNormalised([x, y]), cameraDistance: distance });
}

// ---------------------------------------------------------------- start

function showEmpty() {
  const empty = $('#empty');
  empty.hidden = false;
  if (table.size === 0) {
    replaceChildren(
      empty,
      el('h2', { text: 'No steps yet' }),
      el(
        'p',
        {},
        'logviz reads agent logs from ~/.claude/projects, ~/.codex/sessions and ~/.gemini/tmp, or from the folders named in ',
        el('code', { text: 'LOGVIZ_SOURCES' }),
        '. Put logs there, then run Load and Index: ',
        el('code', { text: 'scripts/up.sh' }),
        ' does both, or POST /load then POST /index (',
        el('a', { href: '/docs', text: 'API docs' }),
        '). Reload this page when they have finished.',
      ),
    );
  } else {
    replaceChildren(
      empty,
      el('h2', { text: 'Nothing on the map yet' }),
      el('p', {
        text: `${fmtInt(table.size)} steps are loaded, but none is placed yet: run Index (POST /index, or scripts/up.sh), then reload this page.`,
      }),
    );
  }
}

function askForToken(message) {
  const form = el(
    'form',
    { id: 'token-form' },
    el('h2', { text: 'This logviz API needs its token' }),
    el('p', { text: message }),
    el('input', { type: 'password', id: 'token-input', placeholder: 'LOGVIZ_API_TOKEN', autocomplete: 'off' }),
    el('button', { type: 'submit', text: 'Use token' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setToken($('#token-input').value.trim());
    window.location.reload();
  });
  const empty = $('#empty');
  empty.hidden = false;
  replaceChildren(empty, form);
}

const events = []; // the map's last events, for the test hook: what a failed test saw happen

function logEvent(...what) {
  events.push([Math.round(performance.now()), ...what]);
  if (events.length > 50) events.shift();
}

function wireMap() {
  scatterplot.subscribe('pointover', (d) => {
    logEvent('pointover', d);
    showTooltip(table.rowAt[d]);
  });
  scatterplot.subscribe('pointout', () => {
    logEvent('pointout');
    hideTooltip();
  });
  scatterplot.subscribe('select', ({ points }) => {
    logEvent('select', ...points);
    if (points.length) select(table.ids[table.rowAt[points[0]]]);
  });
  scatterplot.subscribe('deselect', () => {
    logEvent('deselect');
    clearSelection();
  });
  for (const type of ['mousedown', 'mouseup', 'click', 'dblclick']) {
    $('#points').addEventListener(type, (event) => logEvent(type, event.offsetX, event.offsetY, event.buttons));
  }
  scatterplot.subscribe('view', () => {
    overlay.request();
    saveCamera();
  });
  mapEl.addEventListener('mousemove', (event) => {
    mouse.x = event.clientX;
    mouse.y = event.clientY;
    placeTooltip();
  });
  mapEl.addEventListener('mouseleave', () => hideTooltip());
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

async function start() {
  setStatus('Loading points…');
  let arrow;
  try {
    arrow = await getPoints();
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
  table = new PointTable(arrow);
  renderCounts();
  buildControls();
  if (table.placedCount === 0) {
    showEmpty();
  } else {
    scatterplot = createScatterplot({
      canvas: $('#points'),
      width: 'auto',
      height: 'auto',
      backgroundColor: '#0f1217',
      // The map spans [-1, 1] both ways, and the camera shows [-1, 1] of the height: in a map
      // narrower than high, step back so that the sides are in view too.
      cameraDistance: Math.max(1, mapEl.clientHeight / Math.max(1, mapEl.clientWidth)),
      pointSize: pointSizeFor(table.placedCount),
      pointScaleMode: 'asinh', // points grow as you zoom in, more slowly than the map
      pointSizeSelected: 3,
      pointOutlineWidth: 2,
      pointColorActive: '#37e2ff',
      pointColorHover: '#ffffff',
      colorBy: 'valueA',
      opacityBy: 'valueB',
      opacity: [0.9, 0.08], // valueB 1: filtered out, dimmed
      actionKeyMap: {}, // no lasso or rotation: a click picks one step
      lassoInitiator: false,
      deselectOnDblClick: true,
      deselectOnEscape: true,
    });
    overlay = new Overlay($('#overlay'));
    overlay.source = overlaySource;
    overlay.resize(mapEl.clientWidth, mapEl.clientHeight);
    wireMap();
  }
  if (state.color === 'run') await setColour('run');
  else await paint();
  if (scatterplot) restoreCamera();
  if (state.query) await search(state.query, state.mode);
  if (state.selection) await select(state.selection);
  hook.ready = true;
}

// ---------------------------------------------------------------- test hook

const hook = {
  version: 1,
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
  tooltip: () =>
    tooltipEl.hidden ? null : { id: tooltipEl.dataset.id, loaded: tooltipEl.dataset.loaded === tooltipEl.dataset.id, text: tooltipEl.textContent },
  /** A point's position in the page (CSS pixels, as mouse events take them), or null if not drawn. */
  project(id) {
    const pos = screenOf(id);
    if (!pos) return null;
    const box = $('#points').getBoundingClientRect();
    return { x: box.left + pos[0], y: box.top + pos[1] };
  },
  ids: () => [...(table?.ids ?? [])],
  select: (id) => select(id, { centre: true }),
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
