// The legend of the current colouring: one entry a category, largest first, with its colour and
// count; clicking an entry hides or shows its points.

import { $, el, fmtInt, firstLines, replaceChildren } from './dom.js';

const LEGEND_MAX = 300; // entries listed; the rest are counted in one line

/** The entries for `cats` (see PointTable.categories), and the list drawn from them. */
export function renderLegend(cats, colours, hidden, runTitles, onToggle) {
  const entries = cats.labels.map((label, i) => ({
    field: cats.field,
    label,
    name: cats.field === 'run' && runTitles?.has(label) ? firstLines(runTitles.get(label), 1, 60) : label,
    count: cats.counts[i],
    colour: colours[i],
    hidden: hidden.has(label),
  }));
  const items = entries.slice(0, LEGEND_MAX).map((entry) => {
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
          onclick: () => onToggle(entry.label),
        },
        swatch,
        el('span', { class: 'name', text: entry.name }),
        el('span', { class: 'count', text: fmtInt(entry.count) }),
      ),
    );
  });
  const rest = entries.length - LEGEND_MAX;
  replaceChildren($('#legend'), items, rest > 0 ? el('li', { class: 'muted', text: `… ${fmtInt(rest)} more` }) : null);
  $('#show-all').hidden = hidden.size === 0;
  return entries;
}
