import { ByteWriter } from './bytes.js';
import type { CompressionName, EncodedPage } from './pages.js';
import { bitWidthFor, writeRleHybrid } from './rle.js';
import type { ColumnSpec } from './schema.js';

/** A column chunk ready to be written: its pages and what the footer needs to know about them. */
export interface EncodedChunk {
  readonly pages: EncodedPage[];
  readonly hasDictionary: boolean;
  readonly encodings: number[];
  readonly nullCount: number;
  /** Plain-encoded min and max of the non-null values, when known. */
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/**
 * The values of one column for the current row group, kept in typed arrays (no per-row objects).
 * The encoder fills `defined[row]` (1 = has a value) and the typed value for each row.
 */
export interface ColumnBuffer {
  readonly spec: ColumnSpec;
  readonly defined: Uint8Array;
  encode(rows: number, compression: CompressionName): EncodedChunk;
  reset(): void;
}

/** Dictionary encoding pays off when the dictionary plus its indices are smaller than the plain values. */
export function dictionaryWins(dictBytes: number, present: number, entries: number, plainBytes: number): boolean {
  const indexBytes = (present * Math.max(1, bitWidthFor(entries - 1))) / 8;
  return dictBytes + indexBytes < plainBytes;
}

/** The values part of an RLE_DICTIONARY page: the bit width, then the indices. */
export function indexBytes(indices: Int32Array, m: number, entries: number): Uint8Array {
  const bitWidth = Math.max(1, bitWidthFor(entries - 1));
  const out = new ByteWriter(Math.ceil((m * bitWidth) / 8) + 16);
  out.u8(bitWidth);
  writeRleHybrid(out, indices, m, bitWidth);
  return out.written();
}
