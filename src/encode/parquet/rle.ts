import type { ByteWriter } from './bytes.js';

/**
 * Parquet's RLE / bit-packed hybrid encoding, used for definition levels (bit width 1) and dictionary indices.
 * Runs of 8 or more equal values become RLE runs; everything else is bit-packed in groups of 8.
 */
export function writeRleHybrid(out: ByteWriter, values: ArrayLike<number>, count: number, bitWidth: number): void {
  const valueBytes = (bitWidth + 7) >> 3;
  if (count > 0 && runLength(values, 0, count) === count) {
    // One value throughout (a column without nulls): a single RLE run.
    out.varint(count * 2);
    writeRleValue(out, values[0], valueBytes);
    return;
  }
  let i = 0;
  while (i < count) {
    const run = runLength(values, i, count);
    if (run >= 8) {
      out.varint(run * 2);
      writeRleValue(out, values[i], valueBytes);
      i += run;
      continue;
    }
    // Bit-pack groups of 8 until a long run starts at a group boundary (or the input ends).
    let end = i + 8;
    while (end < count && runLength(values, end, Math.min(count, end + 8)) < 8) end += 8;
    const groups = Math.ceil((Math.min(end, count) - i) / 8);
    out.varint(groups * 2 + 1);
    bitPack(out, values, i, Math.min(end, count), groups * 8, bitWidth);
    i = Math.min(end, count);
  }
}

/** Length of the run of equal values starting at `start`, up to `limit`. */
function runLength(values: ArrayLike<number>, start: number, limit: number): number {
  const v = values[start];
  let j = start + 1;
  while (j < limit && values[j] === v) j++;
  return j - start;
}

function writeRleValue(out: ByteWriter, value: number, valueBytes: number): void {
  for (let b = 0; b < valueBytes; b++) out.u8((value >>> (8 * b)) & 0xff);
}

/** Packs values[start, end) LSB-first, padded with zeros to `padded` values. */
function bitPack(
  out: ByteWriter,
  values: ArrayLike<number>,
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

/** Bits needed to store values 0..maxValue. */
export function bitWidthFor(maxValue: number): number {
  return maxValue <= 0 ? 0 : 32 - Math.clz32(maxValue);
}
