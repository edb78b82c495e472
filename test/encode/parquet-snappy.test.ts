import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snappyUncompress } from 'hyparquet';
import { snappyCompress } from '../../src/encode/parquet/snappy.js';

/** A deterministic pseudo-random byte source (xorshift), so failures reproduce. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  const back = new Uint8Array(input.length);
  snappyUncompress(compressed, back);
  assert.deepEqual(Buffer.from(back), Buffer.from(input));
  return compressed;
}

describe('Snappy compressor', () => {
  it('round-trips empty, tiny and incompressible inputs', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Uint8Array.from([1, 2, 3]));
    roundTrip(noise(19, 7));
    const random = noise(200_000, 11);
    const compressed = roundTrip(random);
    // Incompressible data grows by at most the format's bound.
    assert.ok(compressed.length <= 32 + random.length + random.length / 6);
  });

  it('compresses repetitive text and long runs, including copies longer than 64 bytes', () => {
    const text = Buffer.from('2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 ACCEPT OK\n'.repeat(5000));
    assert.ok(roundTrip(text).length < text.length / 10);
    assert.ok(roundTrip(new Uint8Array(300_000).fill(9)).length < 20_000);
  });

  it('handles matches near the 64 KiB offset limit and mixed regions', () => {
    const block = noise(70_000, 3);
    const mixed = Buffer.concat([
      block,
      Buffer.from('abc'.repeat(1000)),
      block.subarray(0, 40_000),
      noise(1000, 5),
      block,
    ]);
    roundTrip(mixed);
    for (let n = 0; n < 80; n++) roundTrip(Buffer.from('xy'.repeat(n)));
  });
});
