import { ByteWriter } from './bytes.js';
import { type CompressionName, compressPage } from './codecs.js';
import { bitWidthFor, writeLevels, writeRleHybrid } from './rle.js';
import { Encoding, PageType } from './schema.js';
import { encodeThrift, type ThriftStruct } from './thrift.js';

export { CODEC_IDS, type CompressionName } from './codecs.js';

/**
 * Rows per data page at most. With at most 1 MiB of values per page besides (see string-column.ts), a page stays
 * under the 1 MiB that Security Lake asks for and Trino writes; readers that fetch a range of rows decode little
 * more than they need.
 */
export const MAX_PAGE_ROWS = 32_768;
/** Uncompressed bytes of values a data page holds at most. */
export const MAX_PAGE_BYTES = 1 << 20;

/** One page as written to the file: its thrift header followed by its (compressed) body. */
export interface EncodedPage {
  readonly bytes: Uint8Array[];
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

function page(
  type: number,
  body: Uint8Array,
  compression: CompressionName,
  detail: [number, ThriftStruct],
): EncodedPage {
  const compressed = compressPage(body, compression);
  const header = encodeThrift([
    [1, { i32: type }],
    [2, { i32: body.length }],
    [3, { i32: compressed.length }],
    [detail[0], { struct: detail[1] }],
  ]).toBytes();
  return {
    bytes: [header, compressed],
    compressedSize: header.length + compressed.length,
    uncompressedSize: header.length + body.length,
  };
}

export function dictionaryPage(body: Uint8Array, entries: number, compression: CompressionName): EncodedPage {
  return page(PageType.DICTIONARY_PAGE, body, compression, [
    7,
    [
      [1, { i32: entries }],
      [2, { i32: Encoding.PLAIN }],
    ],
  ]);
}

/** A v1 data page of rows [start, start + rows): definition levels (length-prefixed RLE) then the values. */
export function dataPage(
  defined: Uint8Array,
  start: number,
  rows: number,
  values: Uint8Array,
  encoding: number,
  compression: CompressionName,
): EncodedPage {
  const body = new ByteWriter(values.length + 64);
  body.int32(0); // length of the levels, patched below
  writeLevels(body, defined.subarray(start, start + rows), rows);
  body.view.setInt32(0, body.length - 4, true);
  body.bytes(values);
  return page(PageType.DATA_PAGE, body.written(), compression, [
    5,
    [
      [1, { i32: rows }],
      [2, { i32: encoding }],
      [3, { i32: Encoding.RLE }],
      [4, { i32: Encoding.RLE }],
    ],
  ]);
}

/**
 * Page boundaries by rows alone: [0, MAX_PAGE_ROWS), … For values of a fixed width (numbers, dictionary
 * indices) that keeps every page well under MAX_PAGE_BYTES.
 */
export function fixedPageStarts(rows: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s < rows || starts.length === 0; s += MAX_PAGE_ROWS) starts.push(s);
  return starts;
}

/** How many of `defined[from, to)` are set: the values a page of those rows holds. */
export function countDefined(defined: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n += defined[i];
  return n;
}

let levelScratch = new Int32Array(1024);

/** Appends levels[from, from + count) as a length-prefixed RLE / bit-packed run of `bitWidth` bits. */
function writeLevelRun(body: ByteWriter, levels: Uint8Array, from: number, count: number, bitWidth: number): void {
  const at = body.length;
  body.int32(0);
  if (levelScratch.length < count) levelScratch = new Int32Array(Math.max(count, levelScratch.length * 2));
  levelScratch.set(levels.subarray(from, from + count));
  writeRleHybrid(body, levelScratch, count, bitWidth);
  body.view.setInt32(at, body.length - at - 4, true);
}

/**
 * A v1 data page of a nested column: level entries [from, from + count) — repetition levels (when the column
 * has any), definition levels (when it has any), each length-prefixed RLE — then the values of the entries
 * that are defined to the leaf. `count` is the page's num_values.
 */
export function leveledDataPage(
  repetition: Uint8Array | undefined,
  maxRepetition: number,
  definition: Uint8Array,
  maxDefinition: number,
  from: number,
  count: number,
  values: Uint8Array,
  encoding: number,
  compression: CompressionName,
): EncodedPage {
  const body = new ByteWriter(values.length + 64);
  if (maxRepetition > 0 && repetition) writeLevelRun(body, repetition, from, count, bitWidthFor(maxRepetition));
  if (maxDefinition > 0) writeLevelRun(body, definition, from, count, bitWidthFor(maxDefinition));
  body.bytes(values);
  return page(PageType.DATA_PAGE, body.written(), compression, [
    5,
    [
      [1, { i32: count }],
      [2, { i32: encoding }],
      [3, { i32: Encoding.RLE }],
      [4, { i32: Encoding.RLE }],
    ],
  ]);
}
