import { PAGE_DECOMPRESSORS } from '../decode/parquet-input.js';
import { Encoding, PageType } from '../encode/parquet/schema.js';
import { type ColumnValues, emptyColumn, type NumberValues, type StringValues } from './column-values.js';

/**
 * Decodes a column chunk of the lake's own files straight into typed columns (column-values.ts). flowlake
 * writes one shape of page — v1 data pages of a flat optional column, definition levels as length-prefixed
 * RLE, values PLAIN or RLE_DICTIONARY after a PLAIN dictionary page — and this reads exactly that shape, a
 * general reader's assembly of nested values and one JS value per cell being most of what compaction spent
 * reading. Any other page says so (UnsupportedPageError) and the caller reads the chunk the general way.
 */
export class UnsupportedPageError extends Error {
  override readonly name = 'UnsupportedPageError';
}

export interface ChunkLayout {
  /** Where the chunk's bytes start in `bytes`, and how many there are. */
  readonly offset: number;
  readonly length: number;
  /** Rows of the row group (the chunk's values, nulls included). */
  readonly rows: number;
  readonly physicalType: string;
  /** hyparquet's codec name: UNCOMPRESSED, SNAPPY, GZIP, ZSTD. */
  readonly codec: string;
}

const DICTIONARY_ENCODINGS = new Set<number>([Encoding.RLE_DICTIONARY, 2 /* PLAIN_DICTIONARY */]);
const utf8 = new TextDecoder();

export function decodeColumnChunk(bytes: Uint8Array, chunk: ChunkLayout): ColumnValues {
  const isString = chunk.physicalType === 'BYTE_ARRAY';
  const width = chunk.physicalType === 'INT32' ? 4 : chunk.physicalType === 'INT64' ? 8 : 0;
  if (!isString && width === 0) throw new UnsupportedPageError(`physical type ${chunk.physicalType}`);
  const column = emptyColumn(isString ? 'string' : 'number', chunk.rows);
  const dictionary: string[] = isString ? ((column as StringValues).dictionary as string[]) : [];
  let numberDictionary: Float64Array | undefined;
  let hasDictionary = false;
  const end = chunk.offset + chunk.length;
  let pos = chunk.offset;
  let row = 0;
  while (pos < end && row < chunk.rows) {
    const header = readPageHeader(bytes, pos);
    pos = header.end;
    const bodyEnd = pos + header.compressedSize;
    if (bodyEnd > end) throw new Error('a page runs past its column chunk');
    const body = decompress(bytes.subarray(pos, bodyEnd), header.uncompressedSize, chunk.codec);
    pos = bodyEnd;
    if (header.type === PageType.DICTIONARY_PAGE) {
      if (header.encoding !== Encoding.PLAIN && header.encoding !== 2) {
        throw new UnsupportedPageError(`dictionary encoding ${header.encoding}`);
      }
      if (isString) readPlainStrings(body, 0, header.numValues, dictionary);
      else numberDictionary = readPlainNumbers(body, 0, header.numValues, width);
      hasDictionary = true;
      continue;
    }
    if (header.type !== PageType.DATA_PAGE) throw new UnsupportedPageError(`page type ${header.type}`);
    if (header.definitionEncoding !== Encoding.RLE) {
      throw new UnsupportedPageError(`definition levels in encoding ${header.definitionEncoding}`);
    }
    const count = header.numValues;
    if (row + count > chunk.rows) throw new Error('data pages hold more values than the row group has rows');
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const levelsLength = view.getInt32(0, true);
    const valuesAt = 4 + levelsLength;
    if (levelsLength < 0 || valuesAt > body.length) throw new Error('definition levels run past their page');
    const present = readLevels(body, 4, valuesAt, count, column.defined, row);
    if (DICTIONARY_ENCODINGS.has(header.encoding)) {
      if (!hasDictionary) throw new Error('a dictionary-encoded page without a dictionary page');
      const indices = readIndices(body, valuesAt, present);
      const size = isString ? dictionary.length : (numberDictionary as Float64Array).length;
      if (isString) placeIndices(column as StringValues, indices, present, row, count, size);
      else placeDictionaryNumbers(column as NumberValues, indices, numberDictionary as Float64Array, row, count);
    } else if (header.encoding === Encoding.PLAIN) {
      if (isString) {
        const base = dictionary.length;
        readPlainStrings(body, valuesAt, present, dictionary);
        placeSequence(column as StringValues, base, row, count);
      } else {
        placeNumbers(column as NumberValues, readPlainNumbers(body, valuesAt, present, width), row, count);
      }
    } else {
      throw new UnsupportedPageError(`value encoding ${header.encoding}`);
    }
    row += count;
  }
  if (row !== chunk.rows) throw new Error(`the column chunk holds ${row} values for ${chunk.rows} rows`);
  if (pos !== end) throw new Error(`the column chunk has ${end - pos} bytes past its last page`);
  return column;
}

interface PageHeader {
  readonly type: number;
  readonly uncompressedSize: number;
  readonly compressedSize: number;
  readonly numValues: number;
  readonly encoding: number;
  readonly definitionEncoding: number;
  /** Where the page's body starts. */
  readonly end: number;
}

function decompress(input: Uint8Array, size: number, codec: string): Uint8Array {
  if (codec === 'UNCOMPRESSED') return input;
  const decompressor = PAGE_DECOMPRESSORS[codec as keyof typeof PAGE_DECOMPRESSORS];
  if (!decompressor) throw new UnsupportedPageError(`codec ${codec}`);
  const output = decompressor(input, size);
  if (output.length !== size) throw new Error(`a page decompressed to ${output.length} bytes, not ${size}`);
  return output;
}

/**
 * The page header (thrift compact protocol): the sizes, and the data or dictionary page header within.
 * Fields it does not need (statistics, crc) are skipped whatever their type.
 */
function readPageHeader(bytes: Uint8Array, start: number): PageHeader {
  const r = new CompactReader(bytes, start);
  let type = -1;
  let uncompressedSize = -1;
  let compressedSize = -1;
  let numValues = -1;
  let encoding = -1;
  let definitionEncoding = -1;
  r.struct((field, kind) => {
    if (field === 1 && kind === I32) type = r.int();
    else if (field === 2 && kind === I32) uncompressedSize = r.int();
    else if (field === 3 && kind === I32) compressedSize = r.int();
    else if ((field === 5 || field === 7) && kind === STRUCT) {
      r.struct((inner, innerKind) => {
        if (inner === 1 && innerKind === I32) numValues = r.int();
        else if (inner === 2 && innerKind === I32) encoding = r.int();
        else if (inner === 3 && innerKind === I32 && field === 5) definitionEncoding = r.int();
        else r.skip(innerKind);
      });
    } else r.skip(kind);
  });
  if (type < 0 || uncompressedSize < 0 || compressedSize < 0 || numValues < 0) {
    throw new Error('a page header without its sizes');
  }
  return { type, uncompressedSize, compressedSize, numValues, encoding, definitionEncoding, end: r.pos };
}

const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const I32 = 5;
const STRUCT = 12;

/** Just enough of the thrift compact protocol for page headers. */
class CompactReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('a page header runs past the file');
    return this.bytes[this.pos++];
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error('a varint longer than 64 bits in a page header');
    }
  }

  int(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  struct(onField: (field: number, kind: number) => void): void {
    let field = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return;
      const delta = head >> 4;
      const kind = head & 0x0f;
      field = delta === 0 ? this.int() : field + delta;
      onField(field, kind);
    }
  }

  skip(kind: number): void {
    switch (kind) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return;
      case 3: // byte
        this.byte();
        return;
      case 4: // i16
      case I32:
      case 6: // i64
        this.varint();
        return;
      case 7: // double
        this.pos += 8;
        return;
      case 8: // binary
        this.pos += this.varint();
        return;
      case 9: // list
      case 10: {
        // set
        const head = this.byte();
        const size = head >> 4 === 15 ? this.varint() : head >> 4;
        for (let i = 0; i < size; i++) this.skip(head & 0x0f);
        return;
      }
      case STRUCT:
        this.struct((_, k) => this.skip(k));
        return;
      default:
        throw new Error(`a page header field of thrift type ${kind}`);
    }
  }
}

/** Decodes definition levels (bit width 1) of `count` rows into defined[row…]; returns how many are 1. */
function readLevels(
  body: Uint8Array,
  start: number,
  end: number,
  count: number,
  defined: Uint8Array,
  row: number,
): number {
  const levels = readHybrid(body, start, end, count, 1);
  let present = 0;
  for (let i = 0; i < count; i++) {
    const d = levels[i];
    if (d > 1) throw new Error(`a definition level of ${d} in a flat column`);
    defined[row + i] = d;
    present += d;
  }
  return present;
}

/** Dictionary indices: a bit-width byte, then `count` RLE / bit-packed values. */
function readIndices(body: Uint8Array, start: number, count: number): Int32Array {
  if (count === 0) return new Int32Array(0);
  const bitWidth = body[start];
  return readHybrid(body, start + 1, body.length, count, bitWidth);
}

let hybridScratch = new Int32Array(1024);

/** `count` values of Parquet's RLE / bit-packed hybrid encoding from body[start, end). */
function readHybrid(body: Uint8Array, start: number, end: number, count: number, bitWidth: number): Int32Array {
  // Widths past 24 bits would overflow the 32-bit accumulator; the lake's dictionaries never need them.
  if (bitWidth > 24) throw new UnsupportedPageError(`RLE values ${bitWidth} bits wide`);
  if (hybridScratch.length < count) hybridScratch = new Int32Array(count);
  const out = hybridScratch;
  const valueBytes = (bitWidth + 7) >> 3;
  let pos = start;
  let n = 0;
  while (n < count) {
    if (pos >= end) throw new Error('RLE values run past their page');
    let header = 0;
    let shift = 0;
    for (;;) {
      const b = body[pos++];
      header |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new Error('an RLE run header longer than 32 bits');
    }
    if ((header & 1) === 0) {
      const run = header >>> 1;
      let value = 0;
      for (let b = 0; b < valueBytes; b++) value |= body[pos++] << (8 * b);
      const stop = Math.min(count, n + run);
      out.fill(value, n, stop);
      n = stop;
      continue;
    }
    const groups = header >>> 1;
    const runBytes = groups * bitWidth;
    if (pos + runBytes > end) throw new Error('bit-packed values run past their page');
    const stop = Math.min(count, n + groups * 8);
    const mask = (1 << bitWidth) - 1;
    let p = pos;
    let acc = 0;
    let bits = 0;
    for (let i = n; i < stop; i++) {
      while (bits < bitWidth) {
        acc |= body[p++] << bits;
        bits += 8;
      }
      out[i] = acc & mask;
      acc >>>= bitWidth;
      bits -= bitWidth;
    }
    pos += runBytes;
    n = stop;
  }
  return out;
}

function readPlainStrings(body: Uint8Array, start: number, count: number, into: string[]): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let pos = start;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > body.length) throw new Error('string values run past their page');
    const length = view.getUint32(pos, true);
    pos += 4;
    if (pos + length > body.length) throw new Error('a string value runs past its page');
    into.push(utf8.decode(body.subarray(pos, pos + length)));
    pos += length;
  }
}

function readPlainNumbers(body: Uint8Array, start: number, count: number, width: number): Float64Array {
  if (start + count * width > body.length) throw new Error('number values run past their page');
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Float64Array(count);
  if (width === 4) for (let i = 0; i < count; i++) out[i] = view.getInt32(start + i * 4, true);
  else {
    for (let i = 0; i < count; i++) {
      const at = start + i * 8;
      out[i] = view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
    }
  }
  return out;
}

/** The page's present values, in row order, into the rows [row, row + count) that are defined. */
function placeNumbers(column: NumberValues, present: Float64Array, row: number, count: number): void {
  const { defined, values } = column;
  let k = 0;
  for (let i = row; i < row + count; i++) if (defined[i]) values[i] = present[k++];
}

function placeDictionaryNumbers(
  column: NumberValues,
  indices: Int32Array,
  dictionary: Float64Array,
  row: number,
  count: number,
): void {
  const { defined, values } = column;
  let k = 0;
  for (let i = row; i < row + count; i++) {
    if (!defined[i]) continue;
    const index = indices[k++];
    if (index >= dictionary.length) throw new Error(`dictionary index ${index} of ${dictionary.length} entries`);
    values[i] = dictionary[index];
  }
}

function placeIndices(
  column: StringValues,
  indices: Int32Array,
  present: number,
  row: number,
  count: number,
  size: number,
): void {
  const { defined, indices: out } = column;
  let k = 0;
  for (let i = row; i < row + count; i++) {
    if (!defined[i]) continue;
    const index = indices[k++];
    if (index >= size) throw new Error(`dictionary index ${index} of ${size} entries`);
    out[i] = index;
  }
  if (k !== present) throw new Error('dictionary indices and definition levels disagree');
}

/** Plain strings appended to the dictionary from `base` on: the defined rows take them in order. */
function placeSequence(column: StringValues, base: number, row: number, count: number): void {
  const { defined, indices } = column;
  let k = base;
  for (let i = row; i < row + count; i++) if (defined[i]) indices[i] = k++;
}
