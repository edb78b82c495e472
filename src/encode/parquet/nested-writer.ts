import { emptyStrings } from '../../util/array-kinds.js';
import { ByteWriter } from './bytes.js';
import { type CompressionName, defaultCompression } from './codecs.js';
import { dictionaryWins, type EncodedChunk, grown, indexBytes } from './columns.js';
import { type LeafColumn, leafPhysicalType, nestedSchemaElements, type SchemaNode } from './nested-schema.js';
import { plainValues } from './number-column.js';
import { dictionaryPage, type EncodedPage, leveledDataPage, MAX_PAGE_BYTES, MAX_PAGE_ROWS } from './pages.js';
import { Encoding } from './schema.js';
import type { ThriftStruct } from './thrift.js';
import { fileFooter, RowGroupBuilder } from './writer.js';

/**
 * A Parquet writer for nested schemas (nested-schema.ts): each row is a value of the schema's shape, shredded
 * into its leaf columns with definition and repetition levels (the Dremel encoding Parquet uses). Pages are
 * format v1 data pages of at most MAX_PAGE_ROWS rows and about MAX_PAGE_BYTES of values, starting on row
 * boundaries; string and number columns are dictionary-encoded when that is smaller. Like ParquetWriter, each
 * call returns the bytes to append, and the caller owns I/O.
 */
export interface NestedWriterOptions {
  readonly rootName: string;
  readonly fields: readonly SchemaNode[];
  /** Rows per row group. */
  readonly rowGroupRows?: number;
  readonly compression?: CompressionName;
}

export const DEFAULT_NESTED_ROW_GROUP_ROWS = 131_072;
const MAGIC = new TextEncoder().encode('PAR1');
/** Values looked at before deciding whether a string column is worth a dictionary. */
const PROBE_VALUES = 16_384;
/** Values of a number column looked at before building its dictionary. */
const NUMBER_SAMPLE = 4096;

/** The level entries and values of one leaf column for the current row group. */
class LeafBuffer {
  definition = new Uint8Array(1024);
  repetition: Uint8Array | undefined;
  /** Level entries so far (≥ rows: a list adds one per element). */
  count = 0;
  /** Numbers of the defined entries (numeric leaves). */
  numbers = new Float64Array(0);
  /** Strings: dictionary indices of the defined entries, or plain bytes once the column turned out distinct. */
  indices = new Int32Array(0);
  dict = new Map<string, number>();
  entries = emptyStrings();
  plain: ByteWriter | undefined;
  probed = false;
  /** Defined values so far. */
  values = 0;
  private lastString: string | undefined;
  private lastIndex = -1;

  constructor(readonly column: LeafColumn) {
    if (column.maxRepetition > 0) this.repetition = new Uint8Array(1024);
    if (column.type === 'string') this.indices = new Int32Array(1024);
    else this.numbers = new Float64Array(1024);
  }

  private room(): void {
    if (this.count < this.definition.length) return;
    const size = this.definition.length * 2;
    this.definition = grown(this.definition, size);
    if (this.repetition) this.repetition = grown(this.repetition, size);
  }

  /** An entry whose value is null at definition level `d` (below the leaf's). */
  nothing(r: number, d: number): void {
    this.room();
    this.definition[this.count] = d;
    if (this.repetition) this.repetition[this.count] = r;
    this.count++;
  }

  value(r: number, v: unknown): void {
    this.room();
    this.definition[this.count] = this.column.maxDefinition;
    if (this.repetition) this.repetition[this.count] = r;
    this.count++;
    if (this.column.type === 'string') this.addString(v as string);
    else this.addNumber(v as number);
  }

  private addNumber(v: number): void {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${this.column.path.join('.')}: not a number`);
    if (this.values >= this.numbers.length) this.numbers = grown(this.numbers, this.numbers.length * 2);
    this.numbers[this.values++] = v;
  }

  private addString(v: string): void {
    if (typeof v !== 'string') throw new TypeError(`${this.column.path.join('.')}: not a string`);
    if (this.plain) {
      appendPlain(this.plain, v);
      this.values++;
      return;
    }
    let k: number;
    if (v === this.lastString) k = this.lastIndex;
    else {
      const found = this.dict.get(v);
      if (found === undefined) {
        k = this.entries.length;
        this.dict.set(v, k);
        this.entries.push(v);
      } else k = found;
      this.lastString = v;
      this.lastIndex = k;
    }
    if (this.values >= this.indices.length) this.indices = grown(this.indices, this.indices.length * 2);
    this.indices[this.values++] = k;
    if (!this.probed && this.values >= PROBE_VALUES) this.probe();
  }

  /** A quarter of the first values distinct: plain values from here on (hashing them costs more than it saves). */
  private probe(): void {
    this.probed = true;
    if (this.entries.length < this.values / 4) return;
    const plain = new ByteWriter(this.values * 24);
    for (let j = 0; j < this.values; j++) appendPlain(plain, this.entries[this.indices[j]]);
    this.plain = plain;
    this.dict = new Map();
    this.entries = emptyStrings();
    this.lastString = undefined;
  }

  reset(): void {
    this.count = 0;
    this.values = 0;
    this.dict = new Map();
    this.entries = emptyStrings();
    this.plain?.reset();
    this.lastString = undefined;
    this.lastIndex = -1;
  }
}

const textEncoder = new TextEncoder();

function appendPlain(out: ByteWriter, v: string): void {
  const at = out.length;
  out.int32(0);
  const n = out.utf8(v);
  out.view.setInt32(at, n, true);
}

type Shred = (value: unknown, r: number, d: number) => void;
type Nothing = (r: number, d: number) => void;

interface Compiled {
  readonly shred: Shred;
  /** Null for every leaf under the node, at repetition `r` and definition `d`. */
  readonly nothing: Nothing;
}

export class NestedParquetWriter {
  readonly capacity: number;
  readonly compression: CompressionName;
  rows = 0;
  private readonly leaves: LeafBuffer[] = [];
  private readonly shredRow: (row: Record<string, unknown>) => void;
  private offset = MAGIC.length;
  private totalRows = 0;
  private readonly rowGroups: ThriftStruct[] = [];

  constructor(private readonly options: NestedWriterOptions) {
    this.capacity = options.rowGroupRows ?? DEFAULT_NESTED_ROW_GROUP_ROWS;
    this.compression = options.compression ?? defaultCompression();
    const fields = options.fields.map((f) => this.compile(f, [], 0, 0));
    const names = options.fields.map((f) => f.name);
    this.shredRow = (row) => {
      for (let i = 0; i < fields.length; i++) fields[i].shred(row[names[i]], 0, 0);
    };
  }

  /** Shreds the nodes of the schema into closures that append a value's level entries to its leaves. */
  private compile(node: SchemaNode, path: readonly string[], def: number, rep: number): Compiled {
    const optional = node.nullability === 'optional';
    const here = [...path, node.name];
    const d1 = def + (optional ? 1 : 0);
    const required = (): never => {
      throw new TypeError(`${here.join('.')} is required`);
    };
    switch (node.kind) {
      case 'leaf': {
        const buffer = new LeafBuffer({ path: here, type: node.type, maxDefinition: d1, maxRepetition: rep });
        this.leaves.push(buffer);
        const nothing: Nothing = (r, d) => buffer.nothing(r, d);
        return {
          nothing,
          shred: (v, r, d) => {
            if (v === null || v === undefined) {
              if (!optional) required();
              buffer.nothing(r, d);
            } else buffer.value(r, v);
          },
        };
      }
      case 'struct': {
        const fields = node.fields.map((f) => this.compile(f, here, d1, rep));
        const names = node.fields.map((f) => f.name);
        const nothing: Nothing = (r, d) => {
          for (const f of fields) f.nothing(r, d);
        };
        return {
          nothing,
          shred: (v, r, d) => {
            if (v === null || v === undefined) {
              if (!optional) required();
              nothing(r, d);
              return;
            }
            const o = v as Record<string, unknown>;
            const dd = d + (optional ? 1 : 0);
            for (let i = 0; i < fields.length; i++) fields[i].shred(o[names[i]], r, dd);
          },
        };
      }
      case 'list': {
        const element = this.compile({ ...node.element, name: 'element' }, [...here, 'list'], d1 + 1, rep + 1);
        const nothing = element.nothing;
        const level = rep + 1;
        return {
          nothing,
          shred: (v, r, d) => {
            if (v === null || v === undefined) {
              if (!optional) required();
              nothing(r, d);
              return;
            }
            const items = v as readonly unknown[];
            const dd = d + (optional ? 1 : 0);
            if (items.length === 0) {
              nothing(r, dd);
              return;
            }
            for (let i = 0; i < items.length; i++) element.shred(items[i], i === 0 ? r : level, dd + 1);
          },
        };
      }
      case 'map': {
        const kvPath = [...here, 'key_value'];
        const key = this.compile(
          { kind: 'leaf', name: 'key', type: 'string', nullability: 'required' },
          kvPath,
          d1 + 1,
          rep + 1,
        );
        const value = this.compile({ ...node.value, name: 'value' }, kvPath, d1 + 1, rep + 1);
        const nothing: Nothing = (r, d) => {
          key.nothing(r, d);
          value.nothing(r, d);
        };
        const level = rep + 1;
        return {
          nothing,
          shred: (v, r, d) => {
            if (v === null || v === undefined) {
              if (!optional) required();
              nothing(r, d);
              return;
            }
            const dd = d + (optional ? 1 : 0);
            let i = 0;
            for (const k in v as Record<string, unknown>) {
              const rr = i === 0 ? r : level;
              key.shred(k, rr, dd + 1);
              value.shred((v as Record<string, unknown>)[k], rr, dd + 1);
              i++;
            }
            if (i === 0) nothing(r, dd);
          },
        };
      }
    }
  }

  /** The file's first bytes. */
  start(): Uint8Array[] {
    return [MAGIC];
  }

  /** Adds one row; when the row group is full, returns its bytes (else nothing). */
  add(row: Record<string, unknown>): Uint8Array[] {
    this.shredRow(row);
    this.rows++;
    return this.rows >= this.capacity ? this.flushRowGroup() : [];
  }

  flushRowGroup(): Uint8Array[] {
    const rows = this.rows;
    if (rows === 0) return [];
    const group = new RowGroupBuilder(this.offset, this.compression);
    for (const leaf of this.leaves) {
      group.add(encodeLeaf(leaf, this.compression), leafPhysicalType(leaf.column.type), leaf.column.path, leaf.count);
      leaf.reset();
    }
    this.rowGroups.push(group.struct(rows, this.rowGroups.length));
    this.offset = group.end;
    this.totalRows += rows;
    this.rows = 0;
    return group.parts;
  }

  /** Flushes what is buffered and returns the rest of the file: last row group, footer, its length, magic. */
  finish(): Uint8Array[] {
    const parts = this.flushRowGroup();
    const schema = nestedSchemaElements(this.options.rootName, this.options.fields);
    parts.push(...fileFooter(schema, this.totalRows, this.rowGroups, this.leaves.length));
    return parts;
  }
}

/**
 * Where each page's entries start: a page ends after MAX_PAGE_ROWS rows, or before its values (`valueBytes`
 * of entries [from, to), which must take constant time) would pass PAGE_VALUE_BYTES, and only where a row starts.
 */
function pageStarts(leaf: LeafBuffer, valueBytes: (from: number, to: number) => number): number[] {
  const { count, repetition } = leaf;
  const starts = [0];
  let rows = 0;
  let from = 0;
  for (let i = 0; i < count; i++) {
    const rowStart = !repetition || repetition[i] === 0;
    if (!rowStart) continue;
    if (rows > 0 && (rows === MAX_PAGE_ROWS || valueBytes(from, i) > PAGE_VALUE_BYTES)) {
      starts.push(i);
      from = i;
      rows = 0;
    }
    rows++;
  }
  return starts;
}

/** Values a page holds at most, leaving room for its levels within MAX_PAGE_BYTES. */
const PAGE_VALUE_BYTES = MAX_PAGE_BYTES - 65_536;

function encodeLeaf(leaf: LeafBuffer, compression: CompressionName): EncodedChunk {
  const { column, count, definition } = leaf;
  const maxDef = column.maxDefinition;
  // Value positions: entry i holds a value when its definition level is the leaf's.
  const valueAt = new Int32Array(count + 1);
  let m = 0;
  for (let i = 0; i < count; i++) {
    valueAt[i] = m;
    if (definition[i] === maxDef) m++;
  }
  valueAt[count] = m;
  const nullCount = count - m;
  if (column.type === 'string') return encodeStrings(leaf, valueAt, m, nullCount, compression);
  return encodeNumbers(leaf, valueAt, m, nullCount, compression);
}

function encodeNumbers(
  leaf: LeafBuffer,
  valueAt: Int32Array,
  m: number,
  nullCount: number,
  compression: CompressionName,
): EncodedChunk {
  const width = leaf.column.type === 'int32' ? 4 : 8;
  const values = leaf.numbers;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const dict = new Map<number, number>();
  const indices = new Int32Array(m);
  const limit = m >> 1;
  // Mostly distinct values (times, bytes) make no useful dictionary: a sample decides before building one.
  let useDictionary =
    m > 0 && (m <= NUMBER_SAMPLE || new Set(values.subarray(0, NUMBER_SAMPLE)).size <= NUMBER_SAMPLE / 2);
  for (let j = 0; j < m; j++) {
    const v = values[j];
    if (v < min) min = v;
    if (v > max) max = v;
    if (!useDictionary) continue;
    let k = dict.get(v);
    if (k === undefined) {
      k = dict.size;
      if (k > limit) {
        useDictionary = false;
        continue;
      }
      dict.set(v, k);
    }
    indices[j] = k;
  }
  const n = dict.size;
  const entries = Float64Array.from(dict.keys());
  useDictionary = useDictionary && dictionaryWins(n * width, m, n, m * width);
  const pages: EncodedPage[] = [];
  if (useDictionary) pages.push(dictionaryPage(plainValues(entries, 0, n, width), n, compression));
  const starts = pageStarts(leaf, (from, to) => (valueAt[to] - valueAt[from]) * width);
  for (let p = 0; p < starts.length; p++) {
    const from = starts[p];
    const to = p + 1 < starts.length ? starts[p + 1] : leaf.count;
    const a = valueAt[from];
    const b = valueAt[to];
    const body = useDictionary ? indexBytes(indices.subarray(a, b), b - a, n) : plainValues(values, a, b - a, width);
    pages.push(pageOf(leaf, from, to, body, useDictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN, compression));
  }
  const stats =
    m > 0
      ? { min: plainValues(Float64Array.of(min), 0, 1, width), max: plainValues(Float64Array.of(max), 0, 1, width) }
      : {};
  return encodedChunk(pages, useDictionary, nullCount, stats);
}

function encodeStrings(
  leaf: LeafBuffer,
  valueAt: Int32Array,
  m: number,
  nullCount: number,
  compression: CompressionName,
): EncodedChunk {
  const pages: EncodedPage[] = [];
  if (leaf.plain) {
    // Byte offsets of every value in the plain buffer, to cut pages.
    const bytes = leaf.plain.written();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = new Int32Array(m + 1);
    let pos = 0;
    for (let j = 0; j < m; j++) {
      at[j] = pos;
      pos += 4 + view.getInt32(pos, true);
    }
    at[m] = pos;
    const starts = pageStarts(leaf, (from, to) => at[valueAt[to]] - at[valueAt[from]]);
    for (let p = 0; p < starts.length; p++) {
      const from = starts[p];
      const to = p + 1 < starts.length ? starts[p + 1] : leaf.count;
      const body = bytes.subarray(at[valueAt[from]], at[valueAt[to]]);
      pages.push(pageOf(leaf, from, to, body, Encoding.PLAIN, compression));
    }
    return {
      pages,
      hasDictionary: false,
      encodings: [Encoding.PLAIN, Encoding.RLE],
      dataEncoding: Encoding.PLAIN,
      nullCount,
    };
  }
  const { entries, indices } = leaf;
  const n = entries.length;
  const encoded = entries.map((e) => textEncoder.encode(e));
  const dict = new ByteWriter(n * 16 + 16);
  for (const e of encoded) {
    dict.int32(e.length);
    dict.bytes(e);
  }
  let plainBytes = 0;
  for (let j = 0; j < m; j++) plainBytes += 4 + encoded[indices[j]].length;
  const dictBytes = dict.written();
  const useDictionary = n > 0 && dictionaryWins(dictBytes.length, m, n, plainBytes);
  if (useDictionary) pages.push(dictionaryPage(dictBytes, n, compression));
  // Cumulative plain size of the values, so that a page's size is one subtraction.
  const plainAt = new Float64Array(m + 1);
  for (let j = 0; j < m; j++) plainAt[j + 1] = plainAt[j] + 4 + encoded[indices[j]].length;
  const starts = useDictionary
    ? pageStarts(leaf, (from, to) => (valueAt[to] - valueAt[from]) * 3)
    : pageStarts(leaf, (from, to) => plainAt[valueAt[to]] - plainAt[valueAt[from]]);
  for (let p = 0; p < starts.length; p++) {
    const from = starts[p];
    const to = p + 1 < starts.length ? starts[p + 1] : leaf.count;
    const a = valueAt[from];
    const b = valueAt[to];
    let body: Uint8Array;
    if (useDictionary) body = indexBytes(indices.subarray(a, b), b - a, n);
    else {
      const out = new ByteWriter(1024);
      for (let j = a; j < b; j++) {
        const e = encoded[indices[j]];
        out.int32(e.length);
        out.bytes(e);
      }
      body = out.written();
    }
    pages.push(pageOf(leaf, from, to, body, useDictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN, compression));
  }
  let minK = 0;
  let maxK = 0;
  for (let k = 1; k < n; k++) {
    if (Buffer.compare(encoded[k], encoded[minK]) < 0) minK = k;
    if (Buffer.compare(encoded[k], encoded[maxK]) > 0) maxK = k;
  }
  const stats = n > 0 ? { min: encoded[minK], max: encoded[maxK] } : {};
  return encodedChunk(pages, useDictionary, nullCount, stats);
}

function encodedChunk(
  pages: EncodedPage[],
  useDictionary: boolean,
  nullCount: number,
  stats: { min?: Uint8Array; max?: Uint8Array },
): EncodedChunk {
  return {
    pages,
    hasDictionary: useDictionary,
    encodings: useDictionary ? [Encoding.PLAIN, Encoding.RLE, Encoding.RLE_DICTIONARY] : [Encoding.PLAIN, Encoding.RLE],
    dataEncoding: useDictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN,
    nullCount,
    ...stats,
  };
}

function pageOf(
  leaf: LeafBuffer,
  from: number,
  to: number,
  body: Uint8Array,
  encoding: number,
  compression: CompressionName,
): EncodedPage {
  const { column } = leaf;
  return leveledDataPage(
    leaf.repetition,
    column.maxRepetition,
    leaf.definition,
    column.maxDefinition,
    from,
    to - from,
    body,
    encoding,
    compression,
  );
}
