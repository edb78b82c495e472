import { emptyStrings } from '../../util/array-kinds.js';
import { ByteWriter } from './bytes.js';
import { type ColumnBuffer, dictionaryWins, type EncodedChunk, grown, indexBytes, scratchIntArray } from './columns.js';
import {
  type CompressionName,
  countDefined,
  dataPage,
  dictionaryPage,
  type EncodedPage,
  fixedPageStarts,
  MAX_PAGE_BYTES,
  MAX_PAGE_ROWS,
} from './pages.js';
import { type ColumnSpec, Encoding } from './schema.js';

const SPACE = 0x20;
const DASH = 0x2d;

/** Rows looked at before deciding whether a string column is worth a dictionary. */
const PROBE_ROWS = 16_384;

/** Rows of strings as indices into a dictionary of their distinct values (what compaction reads back). */
export interface DictionaryRows {
  readonly defined: Uint8Array;
  readonly indices: Int32Array;
  readonly dictionary: readonly string[];
}

/**
 * String columns are dictionary-built while rows arrive (one Map lookup per value, none when a value repeats
 * the previous one), so a row group holds each distinct string once. A column that turns out to be mostly
 * distinct values (remote addresses) switches to plain values for the rest of the file: hashing strings that
 * never repeat would be the single biggest cost of the encoder.
 */
export class StringColumn implements ColumnBuffer {
  defined: Uint8Array;
  private indices: Int32Array;
  private dict = new Map<string, number>();
  private entries = emptyStrings();
  /**
   * Where the last value seen sits (in the text it was read from): consecutive rows often repeat it (same
   * interface, account, action). Kept as a span of the line rather than a sliced string so that every
   * comparison reads the same kind of string, which keeps V8's optimised code on one path.
   */
  private lastText = '';
  private lastStart = 0;
  private lastLength = 0;
  private lastIndex = -1;
  /**
   * Plain mode: each value's 4-byte length and bytes, appended as rows arrive, so the lines they come from
   * are not kept alive for the whole row group (which would make the garbage collector copy them).
   */
  private readonly plain = new ByteWriter();
  private isPlain = false;
  private probed = false;

  constructor(
    readonly spec: ColumnSpec,
    initialRows: number,
  ) {
    this.defined = new Uint8Array(initialRows);
    this.indices = new Int32Array(initialRows);
  }

  grow(rows: number): void {
    if (rows <= this.defined.length) return;
    this.defined = grown(this.defined, rows);
    this.indices = grown(this.indices, rows);
  }

  /**
   * When `text` at `start` holds the previous row's value again (ended by a space or the text's end), sets
   * row `row` to it and returns where the value ends; otherwise returns -1. This check needs neither the
   * value's end nor a lookup.
   */
  setIfRepeated(row: number, text: string, start: number): number {
    if (this.lastIndex < 0) return -1;
    const length = this.lastLength;
    const end = start + length;
    if (end > text.length || (end < text.length && text.charCodeAt(end) !== SPACE)) return -1;
    const lastText = this.lastText;
    const lastStart = this.lastStart;
    for (let i = 0; i < length; i++) if (text.charCodeAt(start + i) !== lastText.charCodeAt(lastStart + i)) return -1;
    this.defined[row] = 1;
    this.indices[row] = this.lastIndex;
    return end;
  }

  /** Sets row `row` to `text[start, end)`, or to null when that is `-`. */
  set(row: number, text: string, start: number, end: number): void {
    // One store for both cases (see ParquetEncoder.fill on why `-` takes no path of its own).
    const isValue = end - start !== 1 || text.charCodeAt(start) !== DASH;
    this.defined[row] = isValue ? 1 : 0;
    if (!isValue) return;
    if (this.isPlain) {
      appendPlain(this.plain, text, start, end);
      return;
    }
    const k = this.entryFor(text.slice(start, end));
    this.indices[row] = k;
    this.lastText = text;
    this.lastStart = start;
    this.lastLength = end - start;
    this.lastIndex = k;
  }

  /**
   * Sets rows [row0, row0 + n) to the source rows order[from…] (compaction): each distinct source value is
   * looked up once, then every row that repeats it is an index copy.
   */
  setFromDictionary(row0: number, source: DictionaryRows, order: Uint32Array, from: number, n: number): void {
    const { defined: sourceDefined, indices: sourceIndices, dictionary } = source;
    const defined = this.defined;
    if (this.isPlain) {
      for (let i = 0; i < n; i++) {
        const o = order[from + i];
        defined[row0 + i] = sourceDefined[o];
        if (sourceDefined[o]) {
          const value = dictionary[sourceIndices[o]];
          appendPlain(this.plain, value, 0, value.length);
        }
      }
      return;
    }
    const memo = new Int32Array(dictionary.length).fill(-1);
    const indices = this.indices;
    for (let i = 0; i < n; i++) {
      const o = order[from + i];
      const isValue = sourceDefined[o];
      defined[row0 + i] = isValue;
      if (!isValue) continue;
      const s = sourceIndices[o];
      let k = memo[s];
      if (k < 0) {
        k = this.entryFor(dictionary[s]);
        memo[s] = k;
      }
      indices[row0 + i] = k;
    }
    this.lastIndex = -1;
  }

  private entryFor(value: string): number {
    let k = this.dict.get(value);
    if (k === undefined) {
      k = this.entries.length;
      this.dict.set(value, k);
      this.entries.push(value);
    }
    return k;
  }

  /**
   * Called between batches with the rows buffered so far: once PROBE_ROWS rows are in, decides whether this
   * column is worth a dictionary. (Here rather than in `set`, which runs for every row.)
   */
  considerPlain(rows: number): void {
    if (!this.probed && rows >= PROBE_ROWS) this.probe(rows);
  }

  /** A quarter of the first rows distinct: switch to plain values, converting the rows so far. */
  private probe(rowsSoFar: number): void {
    this.probed = true;
    if (this.entries.length < rowsSoFar / 4) return;
    this.plain.ensure(rowsSoFar * 24);
    appendEntries(this.plain, this.entries, this.indices, this.defined, rowsSoFar);
    this.isPlain = true;
    this.clearDictionary();
  }

  /** Ready for the next row group. */
  reset(): void {
    this.plain.reset();
    this.clearDictionary();
  }

  private clearDictionary(): void {
    this.dict = new Map();
    this.entries = emptyStrings();
    this.lastText = '';
    this.lastIndex = -1;
  }

  encode(rows: number, compression: CompressionName): EncodedChunk {
    return this.isPlain ? this.encodePlain(rows, compression) : this.encodeDictionary(rows, compression);
  }

  private encodePlain(rows: number, compression: CompressionName): EncodedChunk {
    const { defined } = this;
    const values = this.plain.written();
    const pages: EncodedPage[] = [];
    // Pages end at MAX_PAGE_ROWS rows or once their values reach MAX_PAGE_BYTES, whichever comes first.
    let from = 0;
    let at = 0;
    while (from < rows || pages.length === 0) {
      const end = plainPageEnd(defined, values, from, rows, at);
      const to = pageEnd.row;
      pages.push(dataPage(defined, from, to - from, values.subarray(at, end), Encoding.PLAIN, compression));
      from = to;
      at = end;
    }
    // No min/max: mostly-distinct values (addresses) give ranges that prune nothing, and cost a compare per row.
    return {
      pages,
      hasDictionary: false,
      encodings: [Encoding.PLAIN, Encoding.RLE],
      dataEncoding: Encoding.PLAIN,
      nullCount: countNulls(defined, rows),
    };
  }

  // The loops of the two encodings are small functions of their own: V8 then optimises each loop alone, quickly,
  // rather than recompiling this whole method (with everything it inlines) for each new path it reaches.
  private encodeDictionary(rows: number, compression: CompressionName): EncodedChunk {
    const { defined, indices, entries } = this;
    const n = entries.length;
    // The dictionary page body: each entry as a 4-byte length and its UTF-8 bytes.
    const dictBody = new ByteWriter(n * 16 + 16);
    const offsets = new Int32Array(n + 1);
    const ascii = writeEntries(dictBody, entries, offsets);
    const dictBytes = dictBody.written();
    const present = scratchIntArray(rows);
    const m = gatherIndices(defined, indices, rows, present);
    const plainBytes = plainSize(present, m, offsets);
    const pages: EncodedPage[] = [];
    const useDictionary = n > 0 && dictionaryWins(dictBytes.length, m, n, plainBytes);
    if (useDictionary) {
      pages.push(dictionaryPage(dictBytes, n, compression));
      let offset = 0;
      const starts = fixedPageStarts(rows);
      for (let p = 0; p < starts.length; p++) {
        const from = starts[p];
        const to = p + 1 < starts.length ? starts[p + 1] : rows;
        const count = countDefined(defined, from, to);
        const values = indexBytes(present.subarray(offset, offset + count), count, n);
        pages.push(dataPage(defined, from, to - from, values, Encoding.RLE_DICTIONARY, compression));
        offset += count;
      }
    } else {
      const plain = plainFromEntries(dictBytes, offsets, present, m, plainBytes);
      let from = 0;
      let at = 0;
      while (from < rows || pages.length === 0) {
        const end = plainPageEnd(defined, plain, from, rows, at);
        const to = pageEnd.row;
        pages.push(dataPage(defined, from, to - from, plain.subarray(at, end), Encoding.PLAIN, compression));
        from = to;
        at = end;
      }
    }
    const encodings = useDictionary
      ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY]
      : [Encoding.PLAIN, Encoding.RLE];
    const stats = n === 0 ? {} : ascii ? asciiMinMax(entries) : minMax(dictBytes, offsets, n);
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

/** Where plainPageEnd's page ends, in rows. */
const pageEnd = { row: 0 };

/**
 * The end (a byte offset into `values`, PLAIN length-prefixed values of the defined rows) of the page that starts
 * at row `from` and byte `at`: at most MAX_PAGE_ROWS rows, and values past MAX_PAGE_BYTES start the next page
 * (a page holds at least one row). The page's last row goes to `pageEnd.row`.
 */
function plainPageEnd(defined: Uint8Array, values: Uint8Array, from: number, rows: number, at: number): number {
  const limit = Math.min(rows, from + MAX_PAGE_ROWS);
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  let end = at;
  let row = from;
  for (; row < limit; row++) {
    if (defined[row] === 0) continue;
    const next = end + 4 + view.getInt32(end, true);
    if (next - at > MAX_PAGE_BYTES && row > from) break;
    end = next;
  }
  pageEnd.row = row;
  return end;
}

function countNulls(defined: Uint8Array, rows: number): number {
  let nulls = 0;
  for (let i = 0; i < rows; i++) nulls += 1 - defined[i];
  return nulls;
}

/** Writes each entry as a 4-byte length and its UTF-8 bytes, its end into offsets[k + 1]; true when all ASCII. */
function writeEntries(body: ByteWriter, entries: readonly string[], offsets: Int32Array): boolean {
  let ascii = true;
  for (let k = 0; k < entries.length; k++) {
    const at = body.length;
    body.int32(0);
    const len = body.utf8(entries[k]);
    if (len !== entries[k].length) ascii = false;
    body.view.setInt32(at, len, true);
    offsets[k + 1] = body.length;
  }
  return ascii;
}

/** The dictionary index of each defined row, in row order, into `present`; returns how many. */
function gatherIndices(defined: Uint8Array, indices: Int32Array, rows: number, present: Int32Array): number {
  let m = 0;
  for (let i = 0; i < rows; i++) {
    if (defined[i] !== 0) present[m++] = indices[i];
  }
  return m;
}

/** Bytes the values would take as PLAIN (length + bytes each). */
function plainSize(present: Int32Array, m: number, offsets: Int32Array): number {
  let bytes = 0;
  for (let j = 0; j < m; j++) bytes += offsets[present[j] + 1] - offsets[present[j]];
  return bytes;
}

/** PLAIN values: each row's already-encoded (length + bytes) dictionary entry, copied. */
function plainFromEntries(
  dictBytes: Uint8Array,
  offsets: Int32Array,
  present: Int32Array,
  m: number,
  size: number,
): Uint8Array {
  const plain = new Uint8Array(size);
  let pos = 0;
  for (let j = 0; j < m; j++) {
    const k = present[j];
    plain.set(dictBytes.subarray(offsets[k], offsets[k + 1]), pos);
    pos += offsets[k + 1] - offsets[k];
  }
  return plain;
}

/** For ASCII strings, JavaScript's string order is the byte order Parquet uses. */
function asciiMinMax(entries: readonly string[]): { min: Uint8Array; max: Uint8Array } {
  let min = entries[0];
  let max = min;
  for (let k = 1; k < entries.length; k++) {
    const e = entries[k];
    if (e < min) min = e;
    else if (e > max) max = e;
  }
  return { min: Buffer.from(min, 'latin1'), max: Buffer.from(max, 'latin1') };
}

/** Byte-wise (unsigned, as Parquet orders UTF8) min and max over the dictionary entries. */
function minMax(dictBytes: Uint8Array, offsets: Int32Array, n: number): { min: Uint8Array; max: Uint8Array } {
  const buf = Buffer.from(dictBytes.buffer, dictBytes.byteOffset, dictBytes.length);
  const entry = (k: number) => buf.subarray(offsets[k] + 4, offsets[k + 1]);
  let min = entry(0);
  let max = min;
  for (let k = 1; k < n; k++) {
    const e = entry(k);
    if (Buffer.compare(e, min) < 0) min = e;
    else if (Buffer.compare(e, max) > 0) max = e;
  }
  return { min: Uint8Array.from(min), max: Uint8Array.from(max) };
}

/** Appends the dictionary value of each defined row of [0, rows) as a plain value. */
function appendEntries(
  plain: ByteWriter,
  entries: readonly string[],
  indices: Int32Array,
  defined: Uint8Array,
  rows: number,
): void {
  for (let i = 0; i < rows; i++) {
    if (defined[i] === 0) continue;
    const value = entries[indices[i]];
    appendPlain(plain, value, 0, value.length);
  }
}

/** Appends `text[start, end)` as a plain BYTE_ARRAY value: its UTF-8 length, then its bytes. */
function appendPlain(body: ByteWriter, text: string, start: number, end: number): void {
  const at = body.length;
  body.ensure(4 + (end - start) * 3);
  const buf = body.buf;
  // ASCII is copied char by char straight from the line; anything else goes through the UTF-8 encoder.
  let p = at + 4;
  let j = start;
  for (; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c >= 0x80) break;
    buf[p++] = c;
  }
  if (j < end) {
    body.length = at + 4;
    body.utf8(text.slice(start, end));
    p = body.length;
  }
  body.length = p;
  body.view.setInt32(at, p - at - 4, true);
}
