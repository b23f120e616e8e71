// The points as the page keeps them: one row per step from GET /points, columns as typed arrays
// (each text column as codes into its few distinct values), positions normalised to [-1, 1] for
// regl-scatterplot (which draws only placed points, by "draw index"), and the categories each
// colouring and filter works on. Ids stay in Arrow's buffers until needed (see ids.js).

import { readCodes, readNumbers } from './columns.js';
import { IdIndex } from './ids.js';

/** What the map can be coloured and filtered by: the URL name, the column, the label shown. */
export const FIELDS = {
  kind: { column: 'kind', title: 'kind' },
  tool: { column: 'tool_name', title: 'tool' },
  error: { column: 'is_error', title: 'error' },
  format: { column: 'source_format', title: 'format' },
  model: { column: 'model', title: 'model' },
  project: { column: 'project', title: 'project' },
  run: { column: 'run_id', title: 'run' },
};
export const FILTER_FIELDS = ['kind', 'tool', 'error', 'format', 'model', 'project'];
export const NONE = '(none)';
const CODED_COLUMNS = Object.values(FIELDS).map(({ column }) => column);

export function valueLabel(field, value) {
  if (value === null || value === undefined || value === '') return NONE;
  if (field === 'error') return value ? 'error' : 'no error';
  return String(value);
}

export class PointTable {
  /**
   * `frame` is the {centre, scale} of the table this one replaces: a refresh keeps it, so that
   * points already on the map keep their place on the screen (new ones may fall outside [-1, 1]).
   */
  constructor(arrow, frame = null) {
    const n = arrow.numRows;
    this.size = n;
    this.idIndex = new IdIndex(arrow.getChild('id'), n);
    this.columns = {};
    for (const column of CODED_COLUMNS) this.columns[column] = readCodes(arrow.getChild(column), n);
    this.time = readNumbers(arrow.getChild('timestamp'), n); // ms since 1970, NaN for none
    this.timeRange = timeRange(this.time);
    const pending = readCodes(arrow.getChild('pending'), n);
    const pendingCode = pending.values.indexOf(true);

    const x = readNumbers(arrow.getChild('x'), n);
    const y = readNumbers(arrow.getChild('y'), n);
    this.drawOf = new Int32Array(n).fill(-1);
    const rows = new Int32Array(n);
    let placed = 0;
    this.pendingCount = 0;
    this.unplaceableCount = 0; // no text to embed: never gets a place on the map
    for (let row = 0; row < n; row += 1) {
      if (Number.isFinite(x[row]) && Number.isFinite(y[row])) {
        this.drawOf[row] = placed;
        rows[placed] = row;
        placed += 1;
      } else if (pendingCode >= 0 && pending.codes[row] === pendingCode) {
        this.pendingCount += 1;
      } else {
        this.unplaceableCount += 1;
      }
    }
    this.rowAt = rows.slice(0, placed);
    this.placedCount = placed;
    this.normalise(x, y, frame);
    this.categoryCache = new Map();
  }

  /** The record id of a row (one decode until every id is). */
  idAt(row) {
    return this.idIndex.idAt(row);
  }

  /** Every id, by row: decoded on first use. */
  get ids() {
    return this.idIndex.ids;
  }

  /** The row of a record id, or undefined. */
  rowOf(id) {
    return this.idIndex.rowOf(id);
  }

  /** Make the id → row lookup in idle moments, before anything asks for it. */
  prepareIds() {
    this.idIndex.prepare();
  }

  /** A cell of a coded column: its value (a string, or a boolean for is_error), or null. */
  value(column, row) {
    const { codes, values } = this.columns[column];
    const code = codes[row];
    return code < 0 ? null : values[code];
  }

  /** Placed positions into [-1, 1], the aspect kept, with a margin; and back (for the URL). */
  normalise(x, y, frame) {
    if (frame) {
      this.centre = frame.centre;
      this.scale = frame.scale;
    } else {
      this.fit(x, y);
    }
    const [cx, cy] = this.centre;
    const { rowAt, scale } = this;
    this.nx = new Float32Array(this.placedCount);
    this.ny = new Float32Array(this.placedCount);
    for (let d = 0; d < rowAt.length; d += 1) {
      this.nx[d] = (x[rowAt[d]] - cx) * scale;
      this.ny[d] = (y[rowAt[d]] - cy) * scale;
    }
  }

  get frame() {
    return { centre: this.centre, scale: this.scale };
  }

  fit(x, y) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    const { rowAt } = this;
    for (let d = 0; d < rowAt.length; d += 1) {
      const [px, py] = [x[rowAt[d]], y[rowAt[d]]];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const span = Math.max(maxX - minX, maxY - minY) || 1;
    this.centre = this.placedCount ? [(minX + maxX) / 2, (minY + maxY) / 2] : [0, 0];
    this.scale = (2 * 0.92) / span;
  }

  toData([nx, ny]) {
    return [nx / this.scale + this.centre[0], ny / this.scale + this.centre[1]];
  }

  toNormalised([x, y]) {
    return [(x - this.centre[0]) * this.scale, (y - this.centre[1]) * this.scale];
  }

  label(field, row) {
    return valueLabel(field, this.value(FIELDS[field].column, row));
  }

  /**
   * The categories of a field, largest first: labels, counts over every step (placed or not),
   * and each row's category code; counted over the column's codes, so a label a distinct value.
   */
  categories(field) {
    let cats = this.categoryCache.get(field);
    if (cats) return cats;
    const { codes: valueCodes, values } = this.columns[FIELDS[field].column];
    // Each distinct value's label, and null's (last); two values may share one ('' and null).
    const labelOfValue = [...values.map((value) => valueLabel(field, value)), NONE];
    const nullCode = values.length;
    const perValue = new Float64Array(labelOfValue.length);
    for (let row = 0; row < this.size; row += 1) {
      const code = valueCodes[row];
      perValue[code < 0 ? nullCode : code] += 1;
    }
    const counts = new Map();
    labelOfValue.forEach((label, v) => {
      if (perValue[v]) counts.set(label, (counts.get(label) ?? 0) + perValue[v]);
    });
    const labels = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : a > b ? 1 : 0));
    const codeOf = new Map(labels.map((label, i) => [label, i]));
    const categoryOfValue = Uint32Array.from(labelOfValue, (label) => codeOf.get(label) ?? 0);
    const codes = new Uint32Array(this.size);
    for (let row = 0; row < this.size; row += 1) {
      const code = valueCodes[row];
      codes[row] = categoryOfValue[code < 0 ? nullCode : code];
    }
    cats = { field, labels, counts: labels.map((label) => counts.get(label)), codes, codeOf };
    this.categoryCache.set(field, cats);
    return cats;
  }
}

function timeRange(times) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < times.length; i += 1) {
    const ms = times[i]; // NaN (no time) is neither
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  return Number.isFinite(min) ? [min, max] : null;
}
