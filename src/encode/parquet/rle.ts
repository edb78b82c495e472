import type { ByteWriter } from './bytes.js';

/**
 * Parquet's RLE / bit-packed hybrid encoding, used for definition levels (bit width 1) and dictionary indices.
 * Runs of 8 or more equal values become RLE runs; everything else is bit-packed in groups of 8.
 */
export function writeRleHybrid(out: ByteWriter, values: Int32Array, count: number, bitWidth: number): void {
  const valueBytes = (bitWidth + 7) >> 3;
  let i = 0;
  while (i < count) {
    const run = runEnd(values, i, count) - i;
    // A long run, or one value throughout (a column without nulls, however short): an RLE run.
    if (run >= 8 || run === count) {
      out.varint(run * 2);
      writeRleValue(out, values[i], valueBytes);
      i += run;
      continue;
    }
    // Bit-pack groups of 8 until a long run starts at a group boundary (or the input ends).
    let end = i + 8;
    while (end < count && runEnd(values, end, Math.min(count, end + 8)) - end < 8) end += 8;
    end = Math.min(end, count);
    const groups = (end - i + 7) >> 3;
    out.varint(groups * 2 + 1);
    bitPack(out, values, i, end, groups * 8, bitWidth);
    i = end;
  }
}

/**
 * Where the run of values equal to values[start] ends (at most `limit`). It returns the index rather than the
 * run's length: V8 may compile the loop while a long run is being scanned, and a subtraction after the loop
 * would then have no type feedback in that code, throwing it away on every later call.
 */
function runEnd(values: Int32Array, start: number, limit: number): number {
  const v = values[start];
  let j = start + 1;
  while (j < limit && values[j] === v) j++;
  return j;
}

function writeRleValue(out: ByteWriter, value: number, valueBytes: number): void {
  for (let b = 0; b < valueBytes; b++) out.u8((value >>> (8 * b)) & 0xff);
}

/** Packs values[start, end) LSB-first, padded with zeros to `padded` values. */
function bitPack(
  out: ByteWriter,
  values: Int32Array,
  start: number,
  end: number,
  padded: number,
  bitWidth: number,
): void {
  out.ensure(Math.ceil((padded * bitWidth) / 8));
  const buf = out.buf;
  let pos = out.length;
  let acc = 0;
  let bits = 0;
  for (let k = 0; k < padded; k++) {
    const v = start + k < end ? values[start + k] : 0;
    // bitWidth ≤ 24 keeps acc within 31 bits (at most 7 pending + 24 new).
    acc |= v << bits;
    bits += bitWidth;
    while (bits >= 8) {
      buf[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) buf[pos++] = acc & 0xff;
  out.length = pos;
}

let levels = new Int32Array(0);

/**
 * Definition levels (1 = value, 0 = null) as an RLE / bit-packed hybrid of bit width 1. A column without
 * nulls is one RLE run, found by a native scan; otherwise the levels are widened to the Int32Array that
 * `writeRleHybrid` takes, so that function sees a single array type (which keeps V8's compiled code on one path).
 */
export function writeLevels(out: ByteWriter, defined: Uint8Array, count: number): void {
  const rows = defined.subarray(0, count);
  if (count > 0 && rows.indexOf(0) === -1) {
    out.varint(count * 2);
    out.u8(1);
    return;
  }
  if (levels.length < count) levels = new Int32Array(count);
  levels.set(rows);
  writeRleHybrid(out, levels, count, 1);
}

/** Bits needed to store values 0..maxValue. */
export function bitWidthFor(maxValue: number): number {
  return maxValue <= 0 ? 0 : 32 - Math.clz32(maxValue);
}
