// The page state in the URL (query string), so that a view can be shared or reloaded:
//   color=kind  sel=<record id>  kind=… tool=… error=… format=… model=…  hide=<label> (repeated)
//   q=<search> mode=hybrid  cam=<x>,<y>,<distance> (the camera target in map coordinates)
//   since=2026-01-25T06:00 until=… (UTC, to the minute: steps outside are dimmed)

import { FIELDS, FILTER_FIELDS } from './table.js';

export const MODES = ['hybrid', 'semantic', 'text'];

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const color = params.get('color');
  const mode = params.get('mode');
  const filters = {};
  for (const field of FILTER_FIELDS) {
    const value = params.get(field);
    if (value !== null) filters[field] = value;
  }
  let camera = null;
  const cam = (params.get('cam') ?? '').split(',').map(Number);
  if (cam.length === 3 && cam.every(Number.isFinite) && cam[2] > 0) camera = cam;
  return {
    color: color in FIELDS ? color : 'kind',
    selection: params.get('sel') || null,
    filters,
    hidden: new Set(params.getAll('hide')),
    query: params.get('q') ?? '',
    mode: MODES.includes(mode) ? mode : 'hybrid',
    camera,
    since: minuteOrNull(params.get('since')),
    until: minuteOrNull(params.get('until')),
  };
}

const MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

function minuteOrNull(value) {
  return value && MINUTE.test(value) && !Number.isNaN(Date.parse(`${value}Z`)) ? value : null;
}

export function writeState(state) {
  const params = new URLSearchParams();
  if (state.color !== 'kind') params.set('color', state.color);
  if (state.selection) params.set('sel', state.selection);
  for (const field of FILTER_FIELDS) {
    if (state.filters[field] !== undefined) params.set(field, state.filters[field]);
  }
  for (const label of state.hidden) params.append('hide', label);
  if (state.since) params.set('since', state.since);
  if (state.until) params.set('until', state.until);
  if (state.query) params.set('q', state.query);
  if (state.query && state.mode !== 'hybrid') params.set('mode', state.mode);
  if (state.camera) params.set('cam', state.camera.map((v, i) => (i < 2 ? v.toPrecision(6) : v.toPrecision(4))).join(','));
  const qs = params.toString();
  const next = `${window.location.pathname}${qs ? `?${qs}` : ''}`;
  if (next !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, '', next);
}
