// Every string that comes from a log reaches the page through `el`: as a text node or an
// attribute value, never parsed as markup, so a log that holds <script> or an onerror
// attribute shows as text and runs nothing.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
}

export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector) => document.querySelector(selector);

export function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

export function fmtTime(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** The first `lines` lines of `text`, at most `chars` characters, with an ellipsis when cut. */
export function firstLines(text, lines = 6, chars = 400) {
  if (!text) return '';
  let head = text.split('\n', lines + 1).slice(0, lines).join('\n');
  if (head.length > chars) head = head.slice(0, chars);
  return head.length < text.length ? `${head.trimEnd()} …` : head;
}
