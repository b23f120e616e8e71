// What is drawn over the points on a 2D canvas: search hits as rings, the selected step's
// run as a path through its steps in order (arrows on the segments, a start dot and an end
// square), the selected step, and the step under the mouse. A few hundred shapes at most,
// redrawn when the view changes; the WebGL layer underneath is left alone (redrawing it, at 1M
// points in software GL, takes half a second).

const HIT = '#ffd400';
const PATH = '255, 255, 255';
const CURRENT = '#37e2ff';
const HOVERED = '#ffffff';

export class Overlay {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.width = 0;
    this.height = 0;
    this.scheduled = false;
    this.source = () => ({ hits: [], path: [], current: null, hovered: null });
    this.last = { hitIds: [], segments: 0, pathSteps: 0, current: null, hovered: false, draws: 0 };
  }

  resize(width, height) {
    const dpr = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.draw();
  }

  /** Redraw at the next frame (many view events in one frame make one drawing). */
  request() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  /**
   * `source()` gives {hits: [{id, pos}], path: [{id, pos}], current: {id, pos} | null,
   * hovered: {pos} | null}, each pos a screen position [x, y] in CSS pixels, or null for a step
   * that has no place yet.
   */
  draw() {
    const { ctx } = this;
    ctx.clearRect(0, 0, this.width, this.height);
    const { hits, path, current, hovered } = this.source();
    const drawn = { hitIds: [], segments: 0, pathSteps: 0, current: null, hovered: false, draws: this.last.draws + 1 };

    ctx.lineWidth = 2;
    ctx.strokeStyle = HIT;
    for (const hit of hits) {
      if (!hit.pos) continue;
      ctx.beginPath();
      ctx.arc(hit.pos[0], hit.pos[1], 7, 0, 2 * Math.PI);
      ctx.stroke();
      drawn.hitIds.push(hit.id);
    }

    const placed = path.filter((step) => step.pos);
    drawn.pathSteps = placed.length;
    for (let i = 1; i < placed.length; i += 1) {
      const [x0, y0] = placed[i - 1].pos;
      const [x1, y1] = placed[i].pos;
      // Later steps more opaque: the fade shows the direction even where arrows would not fit.
      const alpha = 0.3 + (0.65 * i) / placed.length;
      ctx.strokeStyle = `rgba(${PATH}, ${alpha})`;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = 1.6;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      drawn.segments += 1;
      const length = Math.hypot(x1 - x0, y1 - y0);
      if (length > 18) arrowHead(ctx, x0, y0, x1, y1, 0.55);
    }
    if (placed.length) {
      const [sx, sy] = placed[0].pos;
      ctx.fillStyle = '#52c41a';
      ctx.beginPath();
      ctx.arc(sx, sy, 5, 0, 2 * Math.PI);
      ctx.fill();
      const [ex, ey] = placed[placed.length - 1].pos;
      ctx.fillStyle = '#ff4d4f';
      ctx.fillRect(ex - 4.5, ey - 4.5, 9, 9);
    }

    if (current?.pos) {
      ctx.strokeStyle = CURRENT;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(current.pos[0], current.pos[1], 11, 0, 2 * Math.PI);
      ctx.stroke();
      drawn.current = current.id;
    }

    if (hovered?.pos) {
      ctx.strokeStyle = HOVERED;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(hovered.pos[0], hovered.pos[1], 5, 0, 2 * Math.PI);
      ctx.stroke();
      drawn.hovered = true;
    }
    this.last = drawn;
  }
}

function arrowHead(ctx, x0, y0, x1, y1, at) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const x = x0 + (x1 - x0) * at;
  const y = y0 + (y1 - y0) * at;
  const size = 7;
  ctx.beginPath();
  ctx.moveTo(x + Math.cos(angle) * size * 0.6, y + Math.sin(angle) * size * 0.6);
  ctx.lineTo(x - Math.cos(angle - 0.5) * size, y - Math.sin(angle - 0.5) * size);
  ctx.lineTo(x - Math.cos(angle + 0.5) * size, y - Math.sin(angle + 0.5) * size);
  ctx.closePath();
  ctx.fill();
}
