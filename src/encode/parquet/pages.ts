import { gzipSync } from 'node:zlib';
import { ByteWriter } from './bytes.js';
import { writeLevels } from './rle.js';
import { Codec, Encoding, PageType } from './schema.js';
import { snappyCompress } from './snappy.js';
import { encodeThrift, type ThriftStruct } from './thrift.js';

export type CompressionName = 'snappy' | 'gzip' | 'none';

export const CODEC_IDS: Readonly<Record<CompressionName, number>> = {
  snappy: Codec.SNAPPY,
  gzip: Codec.GZIP,
  none: Codec.UNCOMPRESSED,
};

/** One page as written to the file: its thrift header followed by its (compressed) body. */
export interface EncodedPage {
  readonly bytes: Uint8Array[];
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

function compress(body: Uint8Array, compression: CompressionName): Uint8Array {
  if (compression === 'snappy') return snappyCompress(body);
  if (compression === 'gzip') return gzipSync(body, { level: 6 });
  return body.slice();
}

function page(
  type: number,
  body: Uint8Array,
  compression: CompressionName,
  detail: [number, ThriftStruct],
): EncodedPage {
  const compressed = compress(body, compression);
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

/** A v1 data page: definition levels (length-prefixed RLE) then the values in `encoding`. */
export function dataPage(
  defined: Uint8Array,
  rows: number,
  values: Uint8Array,
  encoding: number,
  compression: CompressionName,
): EncodedPage {
  const body = new ByteWriter(values.length + 64);
  body.int32(0); // length of the levels, patched below
  writeLevels(body, defined, rows);
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
