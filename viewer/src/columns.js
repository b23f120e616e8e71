// Arrow columns read chunk by chunk from their buffers into typed arrays. apache-arrow's own
// `column.get(row)` searches for the chunk and decodes a string on every call: 2.8 s for the
// point table's cells at 1M points, where reading the buffers takes tens of milliseconds.

import { makeVector, TimeUnit, Type } from 'apache-arrow';

/**
 * A column as codes into its distinct values: {codes: Int32Array (−1 for null), values: [...]}.
 * A dictionary-encoded column (as GET /points sends its text columns) keeps its indices; a
 * boolean one reads its bits; any other decodes each cell once.
 */
export function readCodes(column, size) {
  const codes = new Int32Array(size).fill(-1);
  const values = [];
  if (!column) return { codes, values };
  const codeOf = new Map();
  const codeFor = (value) => {
    if (value === null || value === undefined) return -1;
    let code = codeOf.get(value);
    if (code === undefined) {
      code = values.length;
      values.push(value);
      codeOf.set(value, code);
    }
    return code;
  };
  const dictionaryCodes = new Map(); // every batch shares one dictionary: map its entries once
  let start = 0;
  for (const data of column.data) {
    const nulls = nullBitmap(data);
    const { offset } = data;
    if (data.dictionary) {
      let local = dictionaryCodes.get(data.dictionary);
      if (!local) {
        local = Int32Array.from(data.dictionary, codeFor);
        dictionaryCodes.set(data.dictionary, local);
      }
      const indices = data.values;
      for (let i = 0; i < data.length; i += 1) {
        if (nulls === null || isSet(nulls, offset + i)) codes[start + i] = local[indices[i]];
      }
    } else if (data.typeId === Type.Bool) {
      const codeOfBit = [codeFor(false), codeFor(true)];
      const bits = data.values; // a bitmap, like the validity one: indexed from the data's offset
      for (let i = 0; i < data.length; i += 1) {
        if (nulls === null || isSet(nulls, offset + i)) codes[start + i] = codeOfBit[Number(isSet(bits, offset + i))];
      }
    } else {
      const vector = makeVector(data);
      for (let i = 0; i < data.length; i += 1) codes[start + i] = codeFor(vector.get(i));
    }
    start += data.length;
  }
  return { codes, values };
}

/** A numeric column as a Float64Array, NaN for null; a timestamp as ms since 1970. */
export function readNumbers(column, size) {
  const out = new Float64Array(size).fill(NaN);
  if (!column) return out;
  let start = 0;
  for (const data of column.data) {
    const nulls = nullBitmap(data);
    const { offset, values } = data;
    const toMs = data.typeId === Type.Timestamp ? MS_PER_UNIT[data.type.unit] : 1;
    if (values instanceof BigInt64Array) {
      // Read as 32-bit halves: converting a BigInt a cell costs ~10x more. Exact below 2^53.
      const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      for (let i = 0; i < data.length; i += 1) {
        if (nulls === null || isSet(nulls, offset + i)) {
          out[start + i] = (halves[2 * i + 1] * 4294967296 + (halves[2 * i] >>> 0)) * toMs;
        }
      }
    } else {
      for (let i = 0; i < data.length; i += 1) {
        if (nulls === null || isSet(nulls, offset + i)) out[start + i] = Number(values[i]) * toMs;
      }
    }
    start += data.length;
  }
  return out;
}

const MS_PER_UNIT = {
  [TimeUnit.SECOND]: 1000,
  [TimeUnit.MILLISECOND]: 1,
  [TimeUnit.MICROSECOND]: 1e-3,
  [TimeUnit.NANOSECOND]: 1e-6,
};

/**
 * A string column's values, all of them: an array of strings (null where null). A chunk of
 * ASCII text (ids are) is decoded in one go and cut at its offsets; any other a cell at a time.
 */
export function readStrings(column, size) {
  const out = new Array(size).fill(null);
  if (!column) return out;
  const decoder = new TextDecoder();
  let start = 0;
  for (const data of column.data) {
    const nulls = nullBitmap(data);
    const offsets = data.valueOffsets;
    let whole = null;
    if (data.typeId === Type.Utf8) {
      const text = decoder.decode(data.values.subarray(offsets[0], offsets[data.length]));
      if (text.length === offsets[data.length] - offsets[0]) whole = text; // a byte a character
    }
    const vector = whole === null ? makeVector(data) : null;
    const base = offsets[0];
    for (let i = 0; i < data.length; i += 1) {
      if (nulls !== null && !isSet(nulls, data.offset + i)) continue;
      out[start + i] = whole === null ? vector.get(i) : whole.slice(offsets[i] - base, offsets[i + 1] - base);
    }
    start += data.length;
  }
  return out;
}

/** A chunk's validity bitmap, or null when every cell is set. Indexed from the chunk's offset. */
function nullBitmap(data) {
  return data.nullCount > 0 ? data.nullBitmap : null;
}

/** Bit `at` of a bitmap (Arrow's: least significant bit first). */
function isSet(bitmap, at) {
  return ((bitmap[at >> 3] >> (at & 7)) & 1) === 1;
}
