// The hover tooltip: kind, tool, time and error at once from the point table; the first lines of
// the text when the record arrives (fetched lazily, through the shared record cache).

import { el, firstLines, fmtTime, replaceChildren } from './dom.js';
import { textOf } from './panel.js';

export class Tooltip {
  constructor(element, mapElement, records) {
    this.element = element;
    this.mapElement = mapElement;
    this.records = records;
    this.hovered = null; // the id shown
    this.mouse = { x: 0, y: 0 };
  }

  show(table, row) {
    const id = table.idAt(row);
    this.hovered = id;
    const tool = table.value('tool_name', row);
    const text = el('div', { class: 'tip-text muted', text: 'loading…' });
    replaceChildren(
      this.element,
      el(
        'div',
        { class: 'tip-head' },
        el('strong', { text: table.value('kind', row) }),
        tool ? el('span', { text: ` ${tool}` }) : null,
        table.value('is_error', row) ? el('span', { class: 'badge error', text: 'error' }) : null,
      ),
      el('div', { class: 'tip-time muted', text: fmtTime(table.time[row]) }),
      text,
    );
    this.element.dataset.id = id;
    this.element.hidden = false;
    this.place();
    this.records.get(id).then(
      (record) => {
        if (this.hovered !== id) return;
        text.classList.remove('muted');
        text.textContent = firstLines(textOf(record), 6, 400) || '(no text)';
        this.element.dataset.loaded = id;
        this.place();
      },
      (err) => {
        if (this.hovered === id) text.textContent = `could not load: ${err.message}`;
      },
    );
  }

  hide() {
    this.hovered = null;
    this.element.hidden = true;
    delete this.element.dataset.id;
    delete this.element.dataset.loaded;
  }

  /** Follow the mouse (client coordinates), staying inside the map. */
  moveTo(x, y) {
    this.mouse = { x, y };
    this.place();
  }

  place() {
    if (this.element.hidden) return;
    const box = this.mapElement.getBoundingClientRect();
    const width = this.element.offsetWidth;
    const height = this.element.offsetHeight;
    let x = this.mouse.x - box.left + 14;
    let y = this.mouse.y - box.top + 14;
    if (x + width > box.width) x = Math.max(0, this.mouse.x - box.left - width - 14);
    if (y + height > box.height) y = Math.max(0, this.mouse.y - box.top - height - 14);
    this.element.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }

  /** What the test hook reports: the id shown, whether its text has arrived, the text. */
  describe() {
    const { dataset, hidden, textContent } = this.element;
    return hidden ? null : { id: dataset.id, loaded: dataset.loaded === dataset.id, text: textContent };
  }
}
