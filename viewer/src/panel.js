// The side panel: one record whole (text, tool arguments, its result, where it came from,
// tokens, model) and its run's steps, with previous/next along the run. Every value from the
// record goes in as text (dom.js).

import { el, firstLines, fmtInt, fmtTime, replaceChildren } from './dom.js';

const CUT = 20_000; // characters of a text shown before "show all"
const STEP_LIST_MAX = 500;
const RESULT_LOOKAHEAD = 12; // tool results fetched while looking for a call's own

export function textOf(record) {
  if (record.text) return record.text;
  return `${record.tool_name ?? ''} ${record.tool_args ?? ''}`.trim();
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A <pre> with the text cut to CUT characters and a button that shows the rest. */
function textBlock(text, className = 'text') {
  const pre = el('pre', { class: className });
  if (text.length <= CUT) {
    pre.textContent = text;
    return pre;
  }
  pre.textContent = `${text.slice(0, CUT)} …`;
  const more = el('button', {
    type: 'button',
    class: 'more',
    text: `Show all ${fmtInt(text.length)} characters`,
    onclick: () => {
      pre.textContent = text;
      more.remove();
    },
  });
  return el('div', {}, pre, more);
}

/** Which redaction rules replaced something in the record ("github-token ×2"); never a value. */
function redactedText(redactions) {
  if (!redactions) return null;
  return Object.entries(redactions)
    .map(([rule, count]) => (count > 1 ? `${rule} ×${count}` : rule))
    .join(', ');
}

function row(name, ...value) {
  const values = value.filter((v) => v !== null && v !== undefined && v !== '');
  if (!values.length) return null;
  return [el('dt', { text: name }), el('dd', {}, ...values)];
}

export class Panel {
  constructor(root, { records, onSelect, onClose }) {
    this.root = root;
    this.records = records;
    this.onSelect = onSelect;
    this.onClose = onClose;
    this.token = 0;
  }

  /** Nothing selected. The panel keeps its place, so the map never changes size under the camera. */
  hide() {
    this.token += 1;
    replaceChildren(
      this.root,
      el('h2', { class: 'muted', text: 'No step selected' }),
      el('p', {
        class: 'muted',
        text: 'Hover a point to peek at it; click it to see the whole step and its run drawn as a path. ← and → move along the run; Esc clears.',
      }),
    );
  }

  loading(id) {
    replaceChildren(this.root, this.closeButton(), el('p', { class: 'muted', text: `Loading ${id} …` }));
  }

  error(message) {
    replaceChildren(this.root, this.closeButton(), el('p', { class: 'error', text: message }));
  }

  closeButton() {
    return el('button', { type: 'button', class: 'close', title: 'Close (Esc)', text: '×', onclick: () => this.onClose() });
  }

  show(record, trajectory) {
    const token = (this.token += 1);
    const index = trajectory ? trajectory.ids.indexOf(record.record_id) : -1;
    const steps = trajectory?.steps ?? [];
    const prevId = index > 0 ? trajectory.ids[index - 1] : null;
    const nextId = trajectory && index + 1 < steps.length ? trajectory.ids[index + 1] : null;
    const run = trajectory?.run;

    const nav = el(
      'div',
      { class: 'nav' },
      el('button', { type: 'button', id: 'prev', disabled: !prevId, text: '◀ previous', onclick: () => this.onSelect(prevId) }),
      el('span', { id: 'step-of', text: trajectory ? `step ${index + 1} of ${steps.length}` : 'no run' }),
      el('button', { type: 'button', id: 'next', disabled: !nextId, text: 'next ▶', onclick: () => this.onSelect(nextId) }),
    );

    const links = [];
    if (record.spawned_run_id) {
      links.push(
        el('button', {
          type: 'button',
          class: 'link',
          id: 'open-spawned',
          text: 'Open the run this step started (subagent)',
          onclick: () => this.openRun(record.spawned_run_id),
        }),
      );
    }
    if (run?.is_subagent && run.parent_id) {
      links.push(
        el('button', {
          type: 'button',
          class: 'link',
          id: 'open-parent',
          text: 'Open the call that started this run',
          onclick: () => this.onSelect(run.parent_id),
        }),
      );
    }

    const tokens = [
      record.tokens_in != null ? `${fmtInt(record.tokens_in)} in` : null,
      record.tokens_out != null ? `${fmtInt(record.tokens_out)} out` : null,
      record.tokens_cache_read ? `${fmtInt(record.tokens_cache_read)} cache read` : null,
      record.tokens_cache_write ? `${fmtInt(record.tokens_cache_write)} cache write` : null,
    ].filter(Boolean);
    const where = record.source_file
      ? `${record.source_file}${record.source_line != null ? `:${record.source_line}` : ''}${record.source_vanished ? ' (file gone)' : ''}`
      : null;
    const times = [fmtTime(Date.parse(record.ts_start)), record.ts_end ? fmtTime(Date.parse(record.ts_end)) : '']
      .filter(Boolean)
      .join(' → ');

    const details = el(
      'dl',
      {},
      row('run', run?.title ? firstLines(run.title, 1, 120) : null, el('span', { class: 'muted', text: ` ${record.run_id}` })),
      row('agent', record.agent_name, record.is_subagent ? ' (subagent)' : null),
      row('time', times),
      row('model', record.model, record.provider ? ` (${record.provider})` : null),
      row('tokens', tokens.join(' · ')),
      row('cost', record.cost_usd != null ? `$${record.cost_usd.toFixed(4)}` : null),
      row('file', where),
      row('redacted', redactedText(record.redactions)),
      row('record', record.record_id),
    );

    const sections = [];
    if (record.text) sections.push(el('h3', { text: 'Text' }), textBlock(record.text));
    if (record.text_cut_from) sections.push(el('p', { class: 'muted', text: `cut at load from ${fmtInt(record.text_cut_from)} characters` }));
    if (record.tool_args) sections.push(el('h3', { text: 'Tool arguments' }), textBlock(prettyJson(record.tool_args), 'args'));
    const linked = el('div', { id: 'linked' });
    sections.push(linked);

    replaceChildren(
      this.root,
      this.closeButton(),
      el(
        'h2',
        {},
        el('span', { class: 'kind', text: record.kind }),
        record.tool_name ? el('span', { class: 'tool', text: ` ${record.tool_name}` }) : null,
        record.is_error ? el('span', { class: 'badge error', text: 'error' }) : null,
      ),
      nav,
      links,
      details,
      sections,
      this.stepList(steps, index),
    );
    this.fillLinked(record, trajectory, index, linked, token);
  }

  async openRun(runId) {
    try {
      const trajectory = await this.records.trajectory(runId);
      if (trajectory.steps.length) this.onSelect(trajectory.steps[0].point.id);
    } catch (err) {
      this.error(`Could not open run ${runId}: ${err.message}`);
    }
  }

  /** A tool call's result, or a result's call: the step of the same run with the same call id. */
  async fillLinked(record, trajectory, index, box, token) {
    if (!trajectory || !record.tool_call_id || index < 0) return;
    const wanted = record.kind === 'tool_call' ? 'tool_result' : record.kind === 'tool_result' ? 'tool_call' : null;
    if (!wanted) return;
    const step = wanted === 'tool_result' ? 1 : -1;
    let tries = 0;
    for (let i = index + step; i >= 0 && i < trajectory.steps.length && tries < RESULT_LOOKAHEAD; i += step) {
      if (trajectory.steps[i].point.kind !== wanted) continue;
      tries += 1;
      let other;
      try {
        other = await this.records.get(trajectory.steps[i].point.id);
      } catch {
        return;
      }
      if (token !== this.token) return;
      if (other.tool_call_id !== record.tool_call_id) continue;
      const title = wanted === 'tool_result' ? 'Result' : 'Call';
      replaceChildren(
        box,
        el('h3', {}, title, other.is_error ? el('span', { class: 'badge error', text: 'error' }) : null),
        textBlock(textOf(other), 'result'),
        el('button', { type: 'button', class: 'link', text: `Go to the ${wanted.replace('_', ' ')}`, onclick: () => this.onSelect(other.record_id) }),
        // Some formats mark the run a call started on its result only: offer it from the call too.
        other.spawned_run_id && !record.spawned_run_id
          ? el('button', {
              type: 'button',
              class: 'link',
              id: 'open-spawned',
              text: 'Open the run this call started (subagent)',
              onclick: () => this.openRun(other.spawned_run_id),
            })
          : null,
      );
      return;
    }
  }

  stepList(steps, index) {
    if (!steps.length) return null;
    const items = steps.slice(0, STEP_LIST_MAX).map((step, i) => {
      const p = step.point;
      const label = `${step.seq ?? i} ${p.kind}${p.tool_name ? ` ${p.tool_name}` : ''}${p.is_error ? ' ✗' : ''}${p.pending ? ' (pending)' : ''}: ${firstLines(step.text ?? '', 1, 90)}`;
      return el(
        'li',
        { class: i === index ? 'current' : null },
        el('button', { type: 'button', text: label, dataset: { id: p.id }, onclick: () => this.onSelect(p.id) }),
      );
    });
    const more = steps.length > STEP_LIST_MAX ? el('p', { class: 'muted', text: `… and ${fmtInt(steps.length - STEP_LIST_MAX)} more steps` }) : null;
    return [el('h3', { text: `Steps of this run (${fmtInt(steps.length)})` }), el('ol', { class: 'steps' }, items), more];
  }
}
