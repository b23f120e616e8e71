// The side bar's inputs: colour by, the category filters (with their counts), the time range,
// and the search form. Filters are rebuilt when the points are refreshed (their counts change);
// the rest is wired once.

import { $, el, fmtInt, replaceChildren } from './dom.js';
import { MODES } from './state.js';
import { FIELDS, FILTER_FIELDS } from './table.js';

/** Wire the inputs that do not depend on the points. `on` holds the page's reactions. */
export function wireControls(state, on) {
  const colourSelect = $('#color-by');
  replaceChildren(
    colourSelect,
    Object.entries(FIELDS).map(([field, { title }]) => el('option', { value: field, text: title })),
  );
  colourSelect.value = state.color;
  colourSelect.addEventListener('change', () => on.colour(colourSelect.value));

  $('#show-all').addEventListener('click', () => on.showAll());

  const modeSelect = $('#search-mode');
  replaceChildren(modeSelect, MODES.map((mode) => el('option', { value: mode, text: mode })));
  modeSelect.value = state.mode;
  $('#search-input').value = state.query;
  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    on.search($('#search-input').value, modeSelect.value);
  });
  $('#search-clear').addEventListener('click', () => {
    $('#search-input').value = '';
    on.search('', modeSelect.value);
  });

  for (const bound of ['since', 'until']) {
    const input = $(`#filter-${bound}`);
    input.value = state[bound] ?? '';
    input.addEventListener('change', () => {
      state[bound] = input.value || null;
      on.filter();
    });
  }
  $('#time-clear').addEventListener('click', () => {
    state.since = null;
    state.until = null;
    $('#filter-since').value = '';
    $('#filter-until').value = '';
    on.filter();
  });
}

/** The category filters for `table`, each value with its count; `on.filter()` after a change. */
export function renderFilters(table, state, on) {
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
      on.filter();
    });
    return el('label', {}, el('span', { text: FIELDS[field].title }), select);
  });
  replaceChildren($('#filters'), filters);
  // The time inputs span the steps' times (UTC, to the minute), as a hint of what there is.
  const range = table.timeRange;
  for (const input of [$('#filter-since'), $('#filter-until')]) {
    input.min = range ? minute(range[0]) : '';
    input.max = range ? minute(range[1] + 60_000) : '';
  }
}

/** A time as the inputs write it: UTC, to the minute, without a zone ("2026-01-25T06:21"). */
export function minute(ms) {
  return new Date(ms).toISOString().slice(0, 16);
}

/** The [since, until) bounds the state sets, in ms; null where a bound is not set. */
export function timeBounds(state) {
  const parse = (value) => {
    if (!value) return null;
    const ms = Date.parse(`${value}Z`);
    return Number.isNaN(ms) ? null : ms;
  };
  return [parse(state.since), parse(state.until)];
}
