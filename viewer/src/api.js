// Calls to the logviz API on the page's own origin. With LOGVIZ_API_TOKEN set every route
// needs the token: the page asks for it once and keeps it for the browser tab only.

import { tableFromIPC } from 'apache-arrow';

const TOKEN_KEY = 'logviz.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

// A read waits out a load's batch write on the server; only a longer one answers 503 with
// Retry-After, so a few retries ride out a running Load or Index.
async function fetchOk(path, params, accept, extra = {}) {
  for (let attempt = 0; ; attempt += 1) {
    // no-store: the page does its own revalidation with If-None-Match (the browser's cache would
    // answer a 304 with its stored copy, and the page would redraw what it already shows).
    const response = await fetch(url(path, params), { headers: headers({ Accept: accept, ...extra }), cache: 'no-store' });
    if (response.ok || response.status === 304) return response;
    if (response.status === 503 && attempt < 5) {
      const wait = Number(response.headers.get('Retry-After')) || 1;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      continue;
    }
    throw await errorOf(response);
  }
}

async function errorOf(response) {
  let detail = response.statusText;
  try {
    detail = (await response.json()).detail ?? detail;
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, typeof detail === 'string' ? detail : JSON.stringify(detail));
}

export async function getJSON(path, params = {}) {
  return (await fetchOk(path, params, 'application/json')).json();
}

/**
 * Every point, as an Arrow table (one IPC stream: the positions arrive as typed arrays), and its
 * ETag. Given the ETag of the points the page holds, null while they are still current (a 304).
 */
export async function getPoints(etag = null) {
  const accept = 'application/vnd.apache.arrow.stream';
  const response = await fetchOk('/points', { format: 'arrow' }, accept, etag ? { 'If-None-Match': etag } : {});
  if (response.status === 304) return null;
  return { table: tableFromIPC(new Uint8Array(await response.arrayBuffer())), etag: response.headers.get('ETag') };
}

/** Start a Dagster run through the API (POST /load or /index); its JobRun. */
export async function postJSON(path, body = undefined) {
  const response = await fetch(path, {
    method: 'POST',
    headers: headers({ Accept: 'application/json', 'Content-Type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/** Records by id, fetched once each and kept (the tooltip and the panel share them). */
export class RecordCache {
  constructor(limit = 2000) {
    this.limit = limit;
    this.entries = new Map();
  }

  get(id) {
    let entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id); // most recently used last, so the oldest go first
    } else {
      entry = getJSON(`/records/${encodeURIComponent(id)}`);
      entry.catch(() => this.entries.delete(id));
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value);
    }
    this.entries.set(id, entry);
    return entry;
  }

  /** Drop the kept runs: after a load, a run may have more steps. */
  forgetRuns() {
    this.runs?.clear();
  }

  /** A run's steps in order; kept for the last few runs (moving along a run asks often). */
  trajectory(runId) {
    this.runs ??= new Map();
    let entry = this.runs.get(runId);
    if (!entry) {
      entry = getJSON(`/runs/${encodeURIComponent(runId)}/trajectory`);
      entry.catch(() => this.runs.delete(runId));
      if (this.runs.size >= 20) this.runs.delete(this.runs.keys().next().value);
      this.runs.set(runId, entry);
    }
    return entry;
  }
}
