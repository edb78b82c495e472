import { ByteWriter } from './bytes.js';
import type { CompressionName, EncodedPage } from './pages.js';
import { bitWidthFor, writeRleHybrid } from './rle.js';
import type { ColumnSpec } from './schema.js';

/** A column chunk ready to be written: its pages and what the footer needs to know about them. */
export interface EncodedChunk {
  /** The dictionary page first when there is one, then the data pages. */
  readonly pages: EncodedPage[];
  readonly hasDictionary: boolean;
  readonly encodings: number[];
  /** The encoding of every data page (PLAIN or RLE_DICTIONARY): the footer's encoding_stats. */
  readonly dataEncoding: number;
  readonly nullCount: number;
  /** Plain-encoded min and max of the non-null values, when known. */
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
}

/**
 * The values of one column for the current row group, kept in typed arrays (no per-row objects). The encoder
 * fills `defined[row]` (1 = has a value) and the typed value for each row. Arrays start small and grow to the
 * row group's size as rows arrive, so a file of a few hundred rows allocates kilobytes, not megabytes.
 */
export interface ColumnBuffer {
  readonly spec: ColumnSpec;
  readonly defined: Uint8Array;
  /** Makes room for rows [0, rows); the arrays may be replaced (read them again after). */
  grow(rows: number): void;
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

/** A copy of `array` with room for `length` elements (the first `array.length` kept). */
export function grown<T extends Uint8Array | Int32Array | Float64Array>(array: T, length: number): T {
  const next = new (array.constructor as { new (n: number): T })(length);
  next.set(array);
  return next;
}

/**
 * Scratch arrays shared by every column's encode() (encoding is synchronous, one column at a time): the
 * non-null values, their dictionary indices and a dictionary, grown to the largest row group seen.
 */
let scratchFloats = new Float64Array(1024);
let scratchMoreFloats = new Float64Array(1024);
let scratchInts = new Int32Array(1024);

export function scratchFloatArray(n: number): Float64Array {
  if (scratchFloats.length < n) scratchFloats = new Float64Array(n);
  return scratchFloats;
}

export function scratchDictionaryArray(n: number): Float64Array {
  if (scratchMoreFloats.length < n) scratchMoreFloats = new Float64Array(n);
  return scratchMoreFloats;
}

export function scratchIntArray(n: number): Int32Array {
  if (scratchInts.length < n) scratchInts = new Int32Array(n);
  return scratchInts;
}
