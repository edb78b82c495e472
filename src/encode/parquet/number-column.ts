import {
  type ColumnBuffer,
  dictionaryWins,
  type EncodedChunk,
  grown,
  indexBytes,
  scratchDictionaryArray,
  scratchFloatArray,
  scratchIntArray,
} from './columns.js';
import {
  type CompressionName,
  countDefined,
  dataPage,
  dictionaryPage,
  type EncodedPage,
  fixedPageStarts,
} from './pages.js';
import { type ColumnSpec, Encoding } from './schema.js';

/** int32, int64 and timestamp columns: values kept as doubles (exact for every safe integer). */
export class NumberColumn implements ColumnBuffer {
  defined: Uint8Array;
  values: Float64Array;
  private readonly width: number;

  constructor(
    readonly spec: ColumnSpec,
    initialRows: number,
  ) {
    this.defined = new Uint8Array(initialRows);
    this.values = new Float64Array(initialRows);
    this.width = spec.kind === 'int32' ? 4 : 8;
  }

  grow(rows: number): void {
    if (rows <= this.defined.length) return;
    this.defined = grown(this.defined, rows);
    this.values = grown(this.values, rows);
  }

  reset(): void {
    // `defined` is rewritten for every row; nothing to clear.
  }

  encode(rows: number, compression: CompressionName): EncodedChunk {
    const { defined, width } = this;
    // The non-null values, their dictionary indices and the dictionary: scratch, reused by every column.
    const present = scratchFloatArray(rows);
    const m = gatherPresent(defined, this.values, rows, present);
    const min = gathered[0];
    const max = gathered[1];
    const indices = scratchIntArray(rows);
    const entries = scratchDictionaryArray((rows >> 1) + 2); // a dictionary has at most half the rows (+1)
    const n = m > 0 ? buildNumberDictionary(present, indices, m, m >> 1, min, max, entries) : -1;
    const useDictionary = n > 0 && dictionaryWins(n * width, m, n, m * width);
    const pages: EncodedPage[] = [];
    if (useDictionary) pages.push(dictionaryPage(plainValues(entries, 0, n, width), n, compression));
    let offset = 0;
    const starts = fixedPageStarts(rows);
    for (let p = 0; p < starts.length; p++) {
      const from = starts[p];
      const to = p + 1 < starts.length ? starts[p + 1] : rows;
      const count = countDefined(defined, from, to);
      const values = useDictionary
        ? indexBytes(indices.subarray(offset, offset + count), count, n)
        : plainValues(present, offset, count, width);
      pages.push(
        dataPage(
          defined,
          from,
          to - from,
          values,
          useDictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN,
          compression,
        ),
      );
      offset += count;
    }
    const encodings = useDictionary
      ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY]
      : [Encoding.PLAIN, Encoding.RLE];
    const stats = m > 0 ? { min: plainValue(min, width), max: plainValue(max, width) } : {};
    return {
      pages,
      hasDictionary: useDictionary,
      encodings,
      dataEncoding: useDictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN,
      nullCount: rows - m,
      ...stats,
    };
  }
}

/** values[from, from + count) as PLAIN int32 or int64 (little-endian; int64 as two 32-bit halves, without BigInt). */
export function plainValues(values: Float64Array, from: number, count: number, width: number): Uint8Array {
  const out = new Uint8Array(count * width);
  const view = new DataView(out.buffer);
  if (width === 4) for (let j = 0; j < count; j++) view.setInt32(j * 4, values[from + j], true);
  else {
    for (let j = 0; j < count; j++) {
      const v = values[from + j];
      view.setUint32(j * 8, v >>> 0, true);
      view.setInt32(j * 8 + 4, Math.floor(v / 4294967296), true);
    }
  }
  return out;
}

function plainValue(v: number, width: number): Uint8Array {
  return plainValues(Float64Array.of(v), 0, 1, width);
}

/** The min and max of the last `gatherPresent`: [min, max]. */
const gathered = new Float64Array(2);

/**
 * Copies the defined values of rows [0, rows) to `present`, returning how many; their min and max go to
 * `gathered`. A function of its own so that V8 optimises the loop alone; min and max are stored as they change
 * rather than after the loop, where code would have no type feedback when the loop gets compiled.
 */
function gatherPresent(defined: Uint8Array, values: Float64Array, rows: number, present: Float64Array): number {
  let m = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    if (defined[i] === 0) continue;
    const v = values[i];
    present[m++] = v;
    if (v < min) {
      min = v;
      gathered[0] = v;
    }
    if (v > max) {
      max = v;
      gathered[1] = v;
    }
  }
  return m;
}

const DIRECT_RANGE = 1 << 20;
const SMALL_RANGE = 1 << 16;
const SAMPLE = 4096;

/**
 * Builds the dictionary of the present values into `entries` (indices written into `indices`) and returns its
 * size, or -1 when it would have more than `limit` entries. Values within a small range (ports, protocols,
 * flow times) use a direct lookup table.
 */
function buildNumberDictionary(
  present: Float64Array,
  indices: Int32Array,
  m: number,
  limit: number,
  min: number,
  max: number,
  entries: Float64Array,
): number {
  // Mostly distinct values (bytes, packets, event times) rarely make a useful dictionary: outside small ranges
  // (ports, protocols), a sample decides before paying for a full table.
  const range = max - min;
  if (range >= SMALL_RANGE && m > SAMPLE && new Set(present.subarray(0, SAMPLE)).size > SAMPLE / 2) return -1;
  if (range >= DIRECT_RANGE) return mappedDictionary(present, indices, m, limit, entries);
  const slot = directSlots(range + 1);
  const n = directDictionary(present, indices, m, limit, min, slot, entries);
  // Leave the shared table all -1 again: clearing the slots used costs far less than a fresh table per chunk.
  const used = n < 0 ? limit + 2 : n;
  for (let k = 0; k < used; k++) slot[entries[k] - min] = -1;
  return n;
}

/** The lookup table of directDictionary, shared by every column and kept at -1 between uses. */
let slots = new Int32Array(0);

function directSlots(size: number): Int32Array {
  if (slots.length < size) slots = new Int32Array(Math.max(size, slots.length * 2)).fill(-1);
  return slots;
}

function directDictionary(
  present: Float64Array,
  indices: Int32Array,
  m: number,
  limit: number,
  min: number,
  slot: Int32Array,
  entries: Float64Array,
): number {
  let n = 0;
  for (let j = 0; j < m; j++) {
    const v = present[j];
    let k = slot[v - min];
    if (k < 0) {
      k = n++;
      slot[v - min] = k;
      entries[k] = v;
      if (n > limit + 1) return -1;
    }
    indices[j] = k;
  }
  return n;
}

function mappedDictionary(
  present: Float64Array,
  indices: Int32Array,
  m: number,
  limit: number,
  entries: Float64Array,
): number {
  const map = new Map<number, number>();
  let n = 0;
  for (let j = 0; j < m; j++) {
    const v = present[j];
    let k = map.get(v);
    if (k === undefined) {
      if (n > limit) return -1;
      k = n++;
      map.set(v, k);
      entries[k] = v;
    }
    indices[j] = k;
  }
  return n;
}
