/**
 * A Snappy block compressor (the raw format Parquet uses, no framing), written for speed on big pages:
 * one hash table over the whole input with copies limited to 64 KiB back, so every copy fits a 1- or
 * 2-byte offset. The output is byte-compatible with any Snappy decompressor.
 */

const HASH_BITS = 15;
const MAX_OFFSET = 65535;
/** Bytes at the end that are always emitted as a literal, so 4-byte loads never run past the input. */
const INPUT_MARGIN = 15;

const table = new Int32Array(1 << HASH_BITS);
let scratch = new Uint8Array(1 << 16);

export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

export function snappyCompress(input: Uint8Array): Uint8Array {
  const n = input.length;
  const bound = maxCompressedLength(n);
  if (scratch.length < bound) scratch = new Uint8Array(bound);
  const out = scratch;
  let op = 0;
  // Preamble: the uncompressed length as a varint.
  let len = n;
  while (len >= 0x80) {
    out[op++] = (len & 0x7f) | 0x80;
    len >>>= 7;
  }
  out[op++] = len;
  op = compressBody(input, out, op);
  return out.slice(0, op);
}

/**
 * Writes the literals and copies of `input` at `out[op]`; returns where they end.
 *
 * Shaped for V8's optimiser, which compiles these loops while they run on the first page: every path out of
 * the loops goes through the call sites the loops use all along (the tail is emitted by the same literal call
 * as the literals before matches) and nothing follows them but a return. A step that ran only after the loops
 * would have no type feedback in that compiled code, and would throw it away on every page.
 */
function compressBody(input: Uint8Array, out: Uint8Array, opIn: number): number {
  const n = input.length;
  let op = opIn;
  // DataView loads: one unaligned 4-byte read instead of four byte reads and shifts.
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const ipLimit = n - INPUT_MARGIN;
  let more = n >= INPUT_MARGIN + 4; // whether matches may still be found
  if (more) table.fill(0); // entries are position + 1; 0 means empty
  let ip = 1;
  let nextHash = more ? hash(load32(view, ip)) : 0;
  let nextEmit = 0;
  for (;;) {
    let candidate = -1;
    if (more) {
      let skip = 32;
      let nextIp = ip;
      for (;;) {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip++ >> 5);
        if (nextIp > ipLimit) {
          more = false;
          break;
        }
        nextHash = hash(load32(view, nextIp));
        candidate = table[h] - 1;
        table[h] = ip + 1;
        if (candidate >= 0 && ip - candidate <= MAX_OFFSET && load32(view, ip) === load32(view, candidate)) break;
      }
    }
    // The literal before this match, or, when no match is left, the tail of the input.
    op = emitLiteral(input, nextEmit, more ? ip : n, out, op);
    if (!more) return op;
    for (;;) {
      const base = ip;
      let s1 = candidate + 4;
      let s2 = ip + 4;
      while (s2 + 4 <= n && load32(view, s1) === load32(view, s2)) {
        s1 += 4;
        s2 += 4;
      }
      while (s2 < n && input[s1] === input[s2]) {
        s1++;
        s2++;
      }
      ip = s2;
      op = emitCopy(out, op, base - candidate, s2 - base);
      nextEmit = ip;
      if (ip >= ipLimit) {
        more = false;
        break;
      }
      table[hash(load32(view, ip - 1))] = ip; // position ip - 1, stored + 1
      const h = hash(load32(view, ip));
      candidate = table[h] - 1;
      table[h] = ip + 1;
      if (!(candidate >= 0 && ip - candidate <= MAX_OFFSET && load32(view, ip) === load32(view, candidate))) break;
    }
    if (more) {
      ip++;
      nextHash = hash(load32(view, ip));
    }
  }
}

function load32(view: DataView, i: number): number {
  return view.getInt32(i, true);
}

function hash(v: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

/** The bytes input[start, end) as a literal (nothing when the range is empty). */
function emitLiteral(input: Uint8Array, start: number, end: number, out: Uint8Array, opIn: number): number {
  let op = opIn;
  if (end <= start) return op;
  const n = end - start - 1;
  if (n < 60) out[op++] = n << 2;
  else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = (n >>> 16) & 0xff;
    out[op++] = n >>> 24;
  }
  if (end - start < 32) {
    for (let i = start; i < end; i++) out[op++] = input[i];
  } else {
    out.set(input.subarray(start, end), op);
    op += end - start;
  }
  return op;
}

/** A copy of any length, as pieces of at most 64 bytes (the last one at least 4, as a copy must be). */
function emitCopy(out: Uint8Array, opIn: number, offset: number, lengthIn: number): number {
  let op = opIn;
  let length = lengthIn;
  // One call site for every piece: a separate one for long copies would be code V8 has no feedback for until
  // the first long copy, and reaching it would throw the compressor's optimised code away.
  while (length > 0) {
    const piece = length >= 68 ? 64 : length > 64 ? 60 : length;
    op = emitCopyUpTo64(out, op, offset, piece);
    length -= piece;
  }
  return op;
}

function emitCopyUpTo64(out: Uint8Array, opIn: number, offset: number, length: number): number {
  let op = opIn;
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}
