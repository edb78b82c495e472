import { ByteWriter } from './bytes.js';
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

  constructor(
    readonly spec: ColumnSpec,
    capacity: number,
  ) {
    this.defined = new Uint8Array(capacity);
    this.values = new Float64Array(capacity);
    this.width = spec.kind === 'int32' ? 4 : 8;
    this.present = new Float64Array(capacity);
    this.indices = new Int32Array(capacity);
  }

  reset(): void {
    // `defined` is rewritten for every row; nothing to clear.
  }

  encode(rows: number, compression: CompressionName): EncodedChunk {
    const { defined, width, present } = this;
    const m = gatherPresent(defined, this.values, rows, present);
    const { min, max } = gathered;
    const pages: EncodedPage[] = [];
    const dict = m > 0 ? buildNumberDictionary(present, this.indices, m, m >> 1, min, max) : undefined;
    let encodings: number[];
    if (dict && dictionaryWins(dict.entries.length * width, m, dict.entries.length, m * width)) {
      const body = new ByteWriter(dict.entries.length * width);
      for (const v of dict.entries) this.writePlain(body, v);
      pages.push(dictionaryPage(body.written(), dict.entries.length, compression));
      pages.push(
        dataPage(defined, rows, indexBytes(dict.indices, m, dict.entries.length), Encoding.RLE_DICTIONARY, compression),
      );
      encodings = [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY];
    } else {
      const body = new ByteWriter(m * width + 8);
      for (let j = 0; j < m; j++) this.writePlain(body, present[j]);
      pages.push(dataPage(defined, rows, body.written(), Encoding.PLAIN, compression));
      encodings = [Encoding.PLAIN, Encoding.RLE];
    }
    const stats = m > 0 ? { min: this.plainBytes(min), max: this.plainBytes(max) } : {};
    return { pages, hasDictionary: encodings.length === 3, encodings, nullCount: rows - m, ...stats };
  }

  private writePlain(out: ByteWriter, v: number): void {
    if (this.width === 4) out.int32(v);
    else out.int64(v);
  }

  private plainBytes(v: number): Uint8Array {
    const out = new ByteWriter(8);
    this.writePlain(out, v);
    return out.toBytes();
  }
}

/** The min and max of the last `gatherPresent`. */
const gathered = { min: 0, max: 0 };

/**
 * Copies the defined values of rows [0, rows) to `present`, returning how many; their min and max go to
 * `gathered`. A function of its own so that V8 optimises the loop alone, with nothing after it lacking feedback.
 */
function gatherPresent(defined: Uint8Array, values: Float64Array, rows: number, present: Float64Array): number {
  let m = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    if (defined[i] === 0) continue;
    const v = values[i];
    present[m++] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  gathered.min = min;
  gathered.max = max;
  return m;
}

const DIRECT_RANGE = 1 << 20;
const SMALL_RANGE = 1 << 16;
const SAMPLE = 4096;

/**
 * Dictionary of the present values (indices written into `indices`), or undefined when it would have more than
 * `limit` entries. Values within a small range (ports, protocols, flow times) use a direct lookup table.
 */
function buildNumberDictionary(
  present: Float64Array,
  indices: Int32Array,
  m: number,
  limit: number,
  min: number,
  max: number,
): { entries: number[]; indices: Int32Array } | undefined {
  // Mostly distinct values (bytes, packets, event times) rarely make a useful dictionary: outside small ranges
  // (ports, protocols), a sample decides before paying for a full table.
  const range = max - min;
  if (range >= SMALL_RANGE && m > SAMPLE && new Set(present.subarray(0, SAMPLE)).size > SAMPLE / 2) return undefined;
  const entries: number[] = [];
  if (range < DIRECT_RANGE) {
    const slot = new Int32Array(range + 1).fill(-1);
    for (let j = 0; j < m; j++) {
      const v = present[j];
      let k = slot[v - min];
      if (k < 0) {
        k = entries.length;
        if (k > limit) return undefined;
        slot[v - min] = k;
        entries.push(v);
      }
      indices[j] = k;
    }
    return { entries, indices };
  }
  const map = new Map<number, number>();
  for (let j = 0; j < m; j++) {
    const v = present[j];
    let k = map.get(v);
    if (k === undefined) {
      k = entries.length;
      if (k > limit) return undefined;
      map.set(v, k);
      entries.push(v);
    }
    indices[j] = k;
  }
  return { entries, indices };
}
