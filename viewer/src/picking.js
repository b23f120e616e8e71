// Which point is under the mouse, found by the page itself. regl-scatterplot's own hover redraws
// every point to colour the one hovered, and delivers its event only after that redraw: 0.5–0.7 s
// at 1M points in software GL. A uniform grid over the placed points answers in well under a
// millisecond and draws nothing.

export const PICK_RADIUS_PX = 6;
const SCAN_MAX = 100_000; // points: until the grid is built, fewer are searched one by one

export class Picker {
  /** `screenOf(d)`: draw index → [x, y] in CSS pixels of the map canvas (regl-scatterplot's). */
  constructor(screenOf) {
    this.screenOf = screenOf;
    this.setPoints(new Float32Array(0), new Float32Array(0));
  }

  /** New positions (normalised, by draw index): the grid is built again when next needed. */
  setPoints(nx, ny) {
    this.nx = nx;
    this.ny = ny;
    this.hidden = null;
    this.grid = null;
    this.extremes = null;
  }

  /** Points hidden by the legend (a Uint8Array by draw index, 1: hidden), or null: none is. */
  setHidden(mask) {
    this.hidden = mask;
  }

  /** Build the grid now (an idle moment after the first frame is the time for it). */
  prepare() {
    this.grid ??= buildGrid(this.nx, this.ny, this.bounds());
    return this.grid;
  }

  /** The nearest shown point within PICK_RADIUS_PX of (x, y), CSS pixels in the canvas; or −1. */
  pick(x, y) {
    const n = this.nx.length;
    if (!n) return -1;
    const view = this.view();
    const px = view.left + (x - view.x0) / view.ax; // the mouse in normalised coordinates
    const py = view.bottom + (y - view.y0) / view.ay;
    const grid = this.grid ?? (n > SCAN_MAX ? this.prepare() : null);
    const best = { d: -1, dist: PICK_RADIUS_PX * PICK_RADIUS_PX };
    if (!grid) {
      this.nearest(0, n, null, px, py, view, best);
      return best.d;
    }
    const rx = PICK_RADIUS_PX / Math.abs(view.ax);
    const ry = PICK_RADIUS_PX / Math.abs(view.ay);
    const [cx0, cx1] = [grid.cellX(px - rx), grid.cellX(px + rx)];
    const [cy0, cy1] = [grid.cellY(py - ry), grid.cellY(py + ry)];
    for (let cy = cy0; cy <= cy1; cy += 1) {
      for (let cx = cx0; cx <= cx1; cx += 1) {
        const cell = cy * grid.side + cx;
        this.nearest(grid.start[cell], grid.start[cell + 1], grid.items, px, py, view, best);
      }
    }
    return best.d;
  }

  /** The nearest of draw indices `items[from..to)` (or from..to themselves) into `best`. */
  nearest(from, to, items, px, py, view, best) {
    const { nx, ny, hidden } = this;
    for (let k = from; k < to; k += 1) {
      const d = items ? items[k] : k;
      if (hidden && hidden[d]) continue;
      const dx = (nx[d] - px) * view.ax;
      const dy = (ny[d] - py) * view.ay;
      const dist = dx * dx + dy * dy;
      if (dist < best.dist) {
        best.dist = dist;
        best.d = d;
      }
    }
  }

  /**
   * The current normalised → screen transform. The view is axis-aligned (no rotation), so each
   * axis is a scale and an offset: read from where regl-scatterplot puts the extreme points.
   */
  view() {
    const { nx, ny } = this;
    const e = this.bounds();
    const [x0] = this.screenOf(e.left);
    const [xr] = this.screenOf(e.right);
    const [, y0] = this.screenOf(e.bottom);
    const [, yt] = this.screenOf(e.top);
    let ax = nx[e.right] !== nx[e.left] ? (xr - x0) / (nx[e.right] - nx[e.left]) : 0;
    let ay = ny[e.top] !== ny[e.bottom] ? (yt - y0) / (ny[e.top] - ny[e.bottom]) : 0;
    // The map keeps its aspect: one axis with no extent takes the other's scale (y runs upwards
    // on the map, downwards on the screen). With neither, every point is at one spot, whose
    // screen distance comes out right with any scale.
    if (!ax) ax = ay ? -ay : 1;
    if (!ay) ay = -ax;
    return { ax, ay, x0, y0, left: nx[e.left], bottom: ny[e.bottom] };
  }

  /** Draw indices of the leftmost, rightmost, lowest and highest points, and their extent. */
  bounds() {
    if (this.extremes) return this.extremes;
    const { nx, ny } = this;
    let [left, right, bottom, top] = [0, 0, 0, 0];
    for (let d = 1; d < nx.length; d += 1) {
      if (nx[d] < nx[left]) left = d;
      if (nx[d] > nx[right]) right = d;
      if (ny[d] < ny[bottom]) bottom = d;
      if (ny[d] > ny[top]) top = d;
    }
    this.extremes = { left, right, bottom, top };
    return this.extremes;
  }
}

/**
 * Draw indices bucketed into a side × side grid over the points' extent (about four points a
 * cell): `items[start[c]..start[c + 1])` are the points in cell c (row-major, y upwards).
 */
function buildGrid(nx, ny, { left, right, bottom, top }) {
  const n = nx.length;
  const side = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(n / 4))));
  const minX = nx[left];
  const minY = ny[bottom];
  const perX = side / (nx[right] - minX || 1);
  const perY = side / (ny[top] - minY || 1);
  const cellX = (v) => Math.min(side - 1, Math.max(0, Math.floor((v - minX) * perX)));
  const cellY = (v) => Math.min(side - 1, Math.max(0, Math.floor((v - minY) * perY)));
  const cellOf = new Int32Array(n);
  const start = new Int32Array(side * side + 1);
  for (let d = 0; d < n; d += 1) {
    const cell = cellY(ny[d]) * side + cellX(nx[d]);
    cellOf[d] = cell;
    start[cell + 1] += 1;
  }
  for (let c = 0; c < side * side; c += 1) start[c + 1] += start[c];
  const next = start.slice(0, side * side);
  const items = new Int32Array(n);
  for (let d = 0; d < n; d += 1) {
    items[next[cellOf[d]]] = d;
    next[cellOf[d]] += 1;
  }
  return { side, start, items, cellX, cellY };
}
