// The record ids of a point table, left in Arrow's buffers until something needs them. A hover
// or a click needs one id (one decode). Looking a point up by id (a selection, a search hit, a
// run's path, the URL) goes through a hash table over the ids' UTF-8 bytes, made in idle slices
// after the first frame: several times faster than decoding every id into a JS Map (over a second
// at 1M points), and no string made, so no collector pause.

import { Type } from 'apache-arrow';
import { readStrings } from './columns.js';
import { IdleWork } from './idle.js';

const encoder = new TextEncoder();
const ROWS_PER_SLICE = 65_536; // ~20 ms: a hover in the meantime waits at most that

export class IdIndex {
  constructor(column, size) {
    this.column = column;
    this.size = size;
    this.lookup = new IdleWork(this.build()); // gives (id) => row | undefined
    this.decoded = null;
  }

  /** The id of one row. */
  idAt(row) {
    if (this.decoded) return this.decoded[row];
    return this.column ? this.column.get(row) : null;
  }

  /** Every id, by row (decoded on first use: the test hook lists them). */
  get ids() {
    this.decoded ??= readStrings(this.column, this.size);
    return this.decoded;
  }

  /** The row of `id`, or undefined (the lookup is finished now if the idle slices have not). */
  rowOf(id) {
    return this.lookup.result()(id);
  }

  /** Make the lookup in idle slices from now on. */
  prepare() {
    this.lookup.start();
  }

  *build() {
    const chunks = this.column?.data ?? [];
    if (!chunks.every((data) => data.typeId === Type.Utf8 && data.nullCount === 0)) {
      const rows = new Map(this.ids.map((id, row) => [id, row])); // not what GET /points sends
      return (id) => rows.get(id);
    }
    return yield* byteLookup(chunks, this.size);
  }
}

/**
 * Open addressing over the rows (linear probing, a power-of-two table at most half full), each
 * keyed by the FNV-1a hash of its id's bytes; a lookup encodes the id and compares bytes.
 */
function* byteLookup(chunks, size) {
  const rowBytes = []; // per chunk: [first row, rows, offsets, bytes]
  let first = 0;
  for (const data of chunks) {
    rowBytes.push([first, data.length, data.valueOffsets, data.values]);
    first += data.length;
  }
  const mask = 2 ** Math.ceil(Math.log2(Math.max(2, 2 * size))) - 1;
  const slots = new Int32Array(mask + 1); // row + 1; 0: empty
  for (const [start, rows, offsets, bytes] of rowBytes) {
    for (let i = 0; i < rows; i += 1) {
      let slot = fnv1a(bytes, offsets[i], offsets[i + 1]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = start + i + 1;
      if ((i + 1) % ROWS_PER_SLICE === 0) yield;
    }
  }
  const sameBytes = (row, key) => {
    let c = rowBytes.length - 1;
    while (rowBytes[c][0] > row) c -= 1;
    const [start, , offsets, bytes] = rowBytes[c];
    const from = offsets[row - start];
    if (offsets[row - start + 1] - from !== key.length) return false;
    for (let k = 0; k < key.length; k += 1) {
      if (bytes[from + k] !== key[k]) return false;
    }
    return true;
  };
  return (id) => {
    if (typeof id !== 'string') return undefined;
    const key = encoder.encode(id);
    for (let slot = fnv1a(key, 0, key.length) & mask; slots[slot] !== 0; slot = (slot + 1) & mask) {
      if (sameBytes(slots[slot] - 1, key)) return slots[slot] - 1;
    }
    return undefined;
  };
}

function fnv1a(bytes, from, to) {
  let hash = 0x811c9dc5;
  for (let k = from; k < to; k += 1) hash = Math.imul(hash ^ bytes[k], 0x01000193);
  return hash >>> 0;
}
