import { type ColumnBuffer, dictionaryWins, type EncodedChunk, indexBytes } from './columns.js';
import { type CompressionName, dataPage, dictionaryPage, type EncodedPage } from './pages.js';
import { type ColumnSpec, Encoding } from './schema.js';

/** int32, int64 and timestamp columns: values kept as doubles (exact for every safe integer). */
export class NumberColumn implements ColumnBuffer {
  readonly defined: Uint8Array;
  readonly values: Float64Array;
  private readonly width: number;
  /** Reused between row groups: the non-null values and their dictionary indices. */
  private readonly present: Float64Array;
  private readonly indices: Int32Array;
  /** The dictionary's values, when there is one. */
  private readonly entries: Float64Array;

  constructor(
    readonly spec: ColumnSpec,
    capacity: number,
  ) {
    this.defined = new Uint8Array(capacity);
    this.values = new Float64Array(capacity);
    this.width = spec.kind === 'int32' ? 4 : 8;
    this.present = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
    this.entries = new Float64Array((capacity >> 1) + 2); // a dictionary has at most half the rows (+1)
  }

  reset(): void {
    // `defined` is rewritten for every row; nothing to clear.
  }

  encode(rows: number, compression: CompressionName): EncodedChunk {
    const { defined, width, present, entries } = this;
    const m = gatherPresent(defined, this.values, rows, present);
    const min = gathered[0];
    const max = gathered[1];
    const pages: EncodedPage[] = [];
    const n = m > 0 ? buildNumberDictionary(present, this.indices, m, m >> 1, min, max, entries) : -1;
    let encodings: number[];
    if (n > 0 && dictionaryWins(n * width, m, n, m * width)) {
      pages.push(dictionaryPage(plainValues(entries, n, width), n, compression));
      pages.push(dataPage(defined, rows, indexBytes(this.indices, m, n), Encoding.RLE_DICTIONARY, compression));
      encodings = [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY];
    } else {
      pages.push(dataPage(defined, rows, plainValues(present, m, width), Encoding.PLAIN, compression));
      encodings = [Encoding.PLAIN, Encoding.RLE];
    }
    const stats = m > 0 ? { min: plainValue(min, width), max: plainValue(max, width) } : {};
    return { pages, hasDictionary: encodings.length === 3, encodings, nullCount: rows - m, ...stats };
  }
}

/** values[0, count) as PLAIN int32 or int64 (little-endian; int64 as two 32-bit halves, without BigInt). */
function plainValues(values: Float64Array, count: number, width: number): Uint8Array {
  const out = new Uint8Array(count * width);
  const view = new DataView(out.buffer);
  if (width === 4) for (let j = 0; j < count; j++) view.setInt32(j * 4, values[j], true);
  else {
    for (let j = 0; j < count; j++) {
      const v = values[j];
      view.setUint32(j * 8, v >>> 0, true);
      view.setInt32(j * 8 + 4, Math.floor(v / 4294967296), true);
    }
  }
  return out;
}

function plainValue(v: number, width: number): Uint8Array {
  return plainValues(Float64Array.of(v), 1, width);
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
  return range < DIRECT_RANGE
    ? directDictionary(present, indices, m, limit, min, new Int32Array(range + 1).fill(-1), entries)
    : mappedDictionary(present, indices, m, limit, entries);
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
      if (n > limit) return -1;
      k = n++;
      slot[v - min] = k;
      entries[k] = v;
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
