// The search box's answers: GET /search (hybrid, semantic or text), listed in the side bar; a
// hit selects its point. The page draws the hits on the map from what `run` returns.

import { getJSON } from './api.js';
import { el, firstLines, fmtInt, replaceChildren } from './dom.js';

const SEARCH_K = 100;

export class SearchList {
  constructor(listElement, infoElement, { onSelect, isOnMap }) {
    this.list = listElement;
    this.info = infoElement;
    this.onSelect = onSelect;
    this.isOnMap = isOnMap;
    this.token = 0; // only the latest search may fill the list
  }

  /**
   * Search and list the hits; the hits ([{id, score, text, point}]), [] for an empty query or a
   * failed search, null when a later search overtook this one (its answer is the one that counts).
   */
  async run(query, mode) {
    const token = (this.token += 1);
    if (!query) {
      replaceChildren(this.list);
      this.info.textContent = '';
      return [];
    }
    this.info.textContent = 'searching…';
    let body;
    try {
      body = await getJSON('/search', { q: query, mode, k: SEARCH_K });
    } catch (err) {
      if (token !== this.token) return null;
      this.info.textContent = `search failed: ${err.message}`;
      return [];
    }
    if (token !== this.token) return null;
    const hits = body.hits.map((hit) => ({ id: hit.point.id, score: hit.score, text: hit.text, point: hit.point }));
    const notShown = hits.filter((hit) => !this.isOnMap(hit.id)).length;
    const note = notShown ? `, ${fmtInt(notShown)} not on the map yet` : '';
    this.info.textContent = `${fmtInt(hits.length)} hits (${mode})${note}`;
    replaceChildren(this.list, hits.map((hit) => this.item(hit)));
    return hits;
  }

  item(hit) {
    return el(
      'li',
      {},
      el(
        'button',
        { type: 'button', dataset: { id: hit.id }, onclick: () => this.onSelect(hit.id) },
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
    );
  }
}
