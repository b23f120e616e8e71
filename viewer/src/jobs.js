// The Load and Index buttons: each starts a Dagster run through the API (POST /load, POST
// /index, with the token when one is set) and follows it through GET /jobs/{id} until it ends,
// showing what it reports: files read, texts embedded of the total, the rate and the time left.

import { getJSON, postJSON } from './api.js';
import { fmtInt } from './dom.js';

const POLL_MS = 1000;
const ENDED = new Set(['SUCCESS', 'FAILURE', 'CANCELED']);

export class JobButtons {
  /** `onEnd(job, run)` runs when a run ends, however it ended. */
  constructor(buttons, statusElement, onEnd) {
    this.buttons = buttons; // {load: HTMLButtonElement, index: HTMLButtonElement}
    this.status = statusElement;
    this.onEnd = onEnd;
    this.running = null; // {job, runId}
    this.history = []; // every answer seen, for the test hook
    for (const [job, button] of Object.entries(buttons)) button.addEventListener('click', () => this.start(job));
  }

  async start(job) {
    if (this.running) return;
    this.setBusy(true);
    this.say(`${job}: starting…`);
    let run;
    try {
      run = await postJSON(`/${job}`);
    } catch (err) {
      this.say(`${job} could not start: ${err.message}`, true);
      this.setBusy(false);
      return;
    }
    this.running = { job, runId: run.run_id };
    this.follow(job, run);
  }

  async follow(job, run) {
    for (;;) {
      this.history.push({ job, status: run.status, progress: run.progress ?? null });
      if (ENDED.has(run.status)) break;
      this.say(describe(job, run));
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      try {
        run = await getJSON(`/jobs/${encodeURIComponent(run.run_id)}`);
      } catch (err) {
        this.say(`${job}: could not read the run: ${err.message}`, true);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    this.running = null;
    this.setBusy(false);
    this.say(finished(job, run), run.status !== 'SUCCESS');
    await this.onEnd(job, run);
  }

  setBusy(busy) {
    for (const button of Object.values(this.buttons)) button.disabled = busy;
  }

  say(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle('error', isError);
  }
}

function describe(job, run) {
  const p = run.progress;
  if (!p) return `${job}: ${run.status.toLowerCase()}…`;
  const parts = [`${job}: ${fmtInt(p.done)} of ${fmtInt(p.total)} ${p.unit}`];
  if (p.rate_per_second) parts.push(`${fmtInt(Math.round(p.rate_per_second))} ${p.unit}/s`);
  if (p.seconds_left !== null && p.done < p.total) parts.push(`about ${Math.ceil(p.seconds_left)} s left`);
  return parts.join(' · ');
}

function finished(job, run) {
  if (run.status !== 'SUCCESS') {
    const why = run.error ? `: ${run.error.step ?? 'the run'} failed: ${run.error.message}` : '';
    return `${job} ended ${run.status}${why}`;
  }
  const counts = run.counts ?? {};
  if (job === 'load') {
    const r = counts.records ?? {};
    return `load done: ${fmtInt(r.files_read ?? 0)} files read, ${fmtInt(r.records_added ?? 0)} steps added`;
  }
  const placed = counts.projection?.points_placed ?? 0;
  return `index done: ${fmtInt(counts.embeddings?.texts_embedded ?? 0)} texts embedded, ${fmtInt(placed)} points placed`;
}
