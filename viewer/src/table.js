// The points as the page keeps them: one row per step from GET /points, columns as arrays,
// positions normalised to [-1, 1] for regl-scatterplot (which draws only placed points, by
// "draw index"), and the categories each colouring and filter works on.

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
    this.ids = columnValues(arrow, 'id', n);
    this.values = {};
    for (const { column } of Object.values(FIELDS)) this.values[column] = columnValues(arrow, column, n);
    this.values.role = columnValues(arrow, 'role', n);
    this.time = columnValues(arrow, 'timestamp', n); // ms since 1970, or null
    this.timeRange = timeRange(this.time);
    const pending = columnValues(arrow, 'pending', n);

    const xs = arrow.getChild('x');
    const ys = arrow.getChild('y');
    const x = xs ? xs.toArray() : new Float64Array(0);
    const y = ys ? ys.toArray() : new Float64Array(0);
    this.drawOf = new Int32Array(n).fill(-1);
    const rows = [];
    this.pendingCount = 0;
    this.unplaceableCount = 0; // no text to embed: never gets a place on the map
    for (let row = 0; row < n; row += 1) {
      if (xs && ys && xs.isValid(row) && ys.isValid(row) && Number.isFinite(x[row]) && Number.isFinite(y[row])) {
        this.drawOf[row] = rows.length;
        rows.push(row);
      } else if (pending[row]) {
        this.pendingCount += 1;
      } else {
        this.unplaceableCount += 1;
      }
    }
    this.rowOf = new Map();
    this.ids.forEach((id, row) => this.rowOf.set(id, row));
    this.rowAt = Int32Array.from(rows);
    this.placedCount = rows.length;
    this.normalise(x, y, frame);
    this.categoryCache = new Map();
  }

  /** Placed positions into [-1, 1], the aspect kept, with a margin; and back (for the URL). */
  normalise(x, y, frame) {
    if (frame) {
      this.centre = frame.centre;
      this.scale = frame.scale;
    } else {
      this.fit(x, y);
    }
    this.nx = new Float32Array(this.placedCount);
    this.ny = new Float32Array(this.placedCount);
    this.rowAt.forEach((row, d) => {
      this.nx[d] = (x[row] - this.centre[0]) * this.scale;
      this.ny[d] = (y[row] - this.centre[1]) * this.scale;
    });
  }

  get frame() {
    return { centre: this.centre, scale: this.scale };
  }

  fit(x, y) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const row of this.rowAt) {
      minX = Math.min(minX, x[row]);
      maxX = Math.max(maxX, x[row]);
      minY = Math.min(minY, y[row]);
      maxY = Math.max(maxY, y[row]);
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
    return valueLabel(field, this.values[FIELDS[field].column][row]);
  }

  /**
   * The categories of a field, largest first: labels, counts over every step (placed or not),
   * and each row's category code.
   */
  categories(field) {
    let cats = this.categoryCache.get(field);
    if (cats) return cats;
    const counts = new Map();
    const raw = new Array(this.size);
    for (let row = 0; row < this.size; row += 1) {
      const label = this.label(field, row);
      raw[row] = label;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    const labels = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : a > b ? 1 : 0));
    const codeOf = new Map(labels.map((label, i) => [label, i]));
    const codes = new Uint32Array(this.size);
    for (let row = 0; row < this.size; row += 1) codes[row] = codeOf.get(raw[row]);
    cats = { field, labels, counts: labels.map((label) => counts.get(label)), codes, codeOf };
    this.categoryCache.set(field, cats);
    return cats;
  }
}

function timeRange(times) {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    if (t === null || t === undefined) continue;
    const ms = Number(t);
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  return Number.isFinite(min) ? [min, max] : null;
}

function columnValues(arrow, name, n) {
  const column = arrow.getChild(name);
  if (!column) return new Array(n).fill(null);
  const out = new Array(n);
  for (let row = 0; row < n; row += 1) out[row] = column.get(row);
  return out;
}
