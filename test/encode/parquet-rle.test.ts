import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteWriter } from '../../src/encode/parquet/bytes.js';
import { bitWidthFor, writeLevels, writeRleHybrid } from '../../src/encode/parquet/rle.js';

/** The RLE / bit-packed hybrid read back as the Parquet spec describes it (independent of the writer). */
function decode(bytes: Uint8Array, bitWidth: number, count: number): number[] {
  const out: number[] = [];
  let pos = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (out.length < count) {
    const header = varint();
    if (header % 2 === 0) {
      let value = 0;
      for (let b = 0; b < Math.ceil(bitWidth / 8); b++) value |= bytes[pos++] << (8 * b);
      for (let i = 0; i < header / 2; i++) out.push(value);
    } else {
      const values = ((header - 1) / 2) * 8;
      let bit = 0;
      for (let i = 0; i < values; i++) {
        let v = 0;
        for (let k = 0; k < bitWidth; k++, bit++) v |= ((bytes[pos + (bit >> 3)] >> (bit & 7)) & 1) << k;
        out.push(v);
      }
      pos += Math.ceil((values * bitWidth) / 8);
    }
  }
  return out.slice(0, count);
}

function roundTrip(values: number[], bitWidth: number): number {
  const out = new ByteWriter(16);
  writeRleHybrid(out, Int32Array.from(values), values.length, bitWidth);
  assert.deepEqual(decode(out.written(), bitWidth, values.length), values);
  return out.length;
}

describe('RLE / bit-packed hybrid', () => {
  it('writes definition levels: one run without nulls, the hybrid with them, only the first `count` rows', () => {
    for (const levels of [new Array(1000).fill(1), Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? 0 : 1))]) {
      const defined = Uint8Array.from([...levels, 0, 0, 1]); // rows past `count` are ignored
      const out = new ByteWriter(16);
      writeLevels(out, defined, levels.length);
      assert.deepEqual(decode(out.written(), 1, levels.length), levels);
      const reference = new ByteWriter(16);
      writeRleHybrid(reference, Int32Array.from(levels), levels.length, 1);
      assert.deepEqual(out.written(), reference.written());
    }
  });

  it('writes a column without nulls as one short run', () => {
    assert.equal(roundTrip(new Array(100_000).fill(1), 1), 4);
  });

  it('round-trips runs, noise and their mixtures at every bit width', () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let width = 1; width <= 20; width++) {
      const max = 2 ** width - 1;
      const values: number[] = [];
      while (values.length < 3000) {
        const value = Math.floor(random() * (max + 1));
        const run = random() < 0.3 ? 1 + Math.floor(random() * 40) : 1;
        for (let i = 0; i < run; i++) values.push(value);
      }
      roundTrip(values, width);
      roundTrip(values.slice(0, 13), width);
    }
  });

  it('sizes bit widths for dictionary indices', () => {
    assert.deepEqual([0, 1, 2, 3, 255, 256].map(bitWidthFor), [0, 1, 2, 2, 8, 9]);
  });
});
