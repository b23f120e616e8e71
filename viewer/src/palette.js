// Colours for categories: a fixed set of distinct colours for the largest ones, then hues
// spaced by the golden angle, so even thousands of runs get colours that differ locally.

const BASE = [
  '#4e9be6', '#f28e2b', '#59c25a', '#e15759', '#b07aa1', '#edc948', '#76d7cf', '#ff9da7',
  '#9c755f', '#a0cbe8', '#ffbe7d', '#8cd17d', '#d4a6c8', '#86bcb6', '#f1ce63', '#d37295',
];
const FIXED = {
  error: { error: '#ff4d4f', 'no error': '#52c41a', '(none)': '#8c96a5' },
};
const NONE_COLOUR = '#6b7480';

export function palette(field, labels) {
  const fixed = FIXED[field] ?? {};
  let next = 0;
  return labels.map((label) => {
    if (fixed[label]) return fixed[label];
    if (label === '(none)') return NONE_COLOUR;
    const i = next;
    next += 1;
    if (i < BASE.length) return BASE[i];
    const hue = (i * 137.508) % 360;
    return hsl(hue, 0.62, 0.6);
  });
}

function hsl(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}
