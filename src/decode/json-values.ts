import { jsonErrorOffset } from './json-error-offset.js';
import { DecodeError } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** CloudWatch Logs envelopes are at most ~1 MB; far bigger "objects" mean the input is something else. */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

/** One top-level JSON object of the stream, parsed, with its position for messages. */
export interface JsonObjectAt {
  readonly value: unknown;
  /** 1-based index of the object in the stream. */
  readonly index: number;
  /** Offset of its first byte in the (decompressed) stream. */
  readonly offset: number;
}

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Reads a byte stream of back-to-back JSON objects (`{…}{…}`, any whitespace or newlines between them) and
 * parses each. Fast path: writers put objects back to back (`}{`) or one per line (`}\n{`), so the next such
 * boundary found with indexOf is tried first; JSON.parse accepting the piece proves it was a whole object (a
 * piece cut inside a string cannot parse). Otherwise the object's end is found by scanning its structure.
 */
export async function* readJsonObjects(chunks: AsyncIterable<Buffer>): AsyncGenerator<JsonObjectAt> {
  let buf: Buffer = Buffer.alloc(0);
  let bufOffset = 0; // stream offset of buf[0]
  let index = 0;
  const boundaries = new BoundaryFinder();

  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    boundaries.reset();
    let pos = 0;
    for (;;) {
      pos = skipSpace(buf, pos);
      if (pos >= buf.length) break;
      if (buf[pos] !== OPEN_BRACE) throw unexpected(buf[pos], index + 1, bufOffset + pos);
      const fast = boundaries.next(buf, pos);
      if (fast !== -1) {
        const value = tryParse(buf, pos, fast + 1);
        if (value !== FAILED) {
          yield { value, index: ++index, offset: bufOffset + pos };
          pos = fast + 1;
          continue;
        }
      }
      const end = findObjectEnd(buf, pos);
      if (end === -1) break; // the object continues in the next chunk
      yield {
        value: parseExactly(buf, pos, end + 1, index + 1, bufOffset + pos),
        index: ++index,
        offset: bufOffset + pos,
      };
      pos = end + 1;
    }
    if (buf.length - pos > MAX_OBJECT_BYTES) {
      throw new DecodeError(
        `JSON object ${index + 1} at byte ${(bufOffset + pos).toLocaleString('en-US')} is larger than ${MAX_OBJECT_BYTES / 2 ** 20} MiB: not a CloudWatch Logs envelope`,
      );
    }
    bufOffset += pos;
    buf = buf.subarray(pos);
  }
  const pos = skipSpace(buf, 0);
  if (pos < buf.length) {
    if (findObjectEnd(buf, pos) === -1) {
      throw new DecodeError(
        `truncated JSON: envelope ${index + 1} starting at byte ${(bufOffset + pos).toLocaleString('en-US')} is incomplete at the end of the object`,
      );
    }
  }
}

/** Finds the next `}{` or `}\n{`, remembering earlier searches so each buffer is scanned about once per pattern. */
class BoundaryFinder {
  private packed = -2;
  private perLine = -2;

  reset(): void {
    this.packed = -2;
    this.perLine = -2;
  }

  /** Index of the `}` of the nearest boundary after `from`, or -1. */
  next(buf: Buffer, from: number): number {
    if (this.packed !== -1 && this.packed < from) this.packed = buf.indexOf('}{', from, 'latin1');
    if (this.perLine !== -1 && this.perLine < from) this.perLine = buf.indexOf('}\n{', from, 'latin1');
    if (this.packed === -1) return this.perLine;
    if (this.perLine === -1) return this.packed;
    return Math.min(this.packed, this.perLine);
  }
}

const FAILED = Symbol('failed');

function tryParse(buf: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return FAILED;
  }
}

function skipSpace(buf: Buffer, pos: number): number {
  while (pos < buf.length && isJsonSpace(buf[pos])) pos++;
  return pos;
}

/**
 * Index of the `}` closing the object that starts at `start`, or -1 when the buffer ends first. Strings are
 * skipped with indexOf, so the cost is per structural character rather than per byte of the messages inside.
 */
export function findObjectEnd(buf: Buffer, start: number): number {
  let depth = 0;
  let i = start;
  let nextBackslash = -2;
  while (i < buf.length) {
    const b = buf[i];
    if (b === QUOTE) {
      // Skip the string: find its closing quote, stepping over escapes.
      i++;
      for (;;) {
        const quote = buf.indexOf(QUOTE, i);
        if (quote === -1) return -1;
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = buf.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && nextBackslash < quote) {
          i = nextBackslash + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      continue;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return -1;
}

/** JSON.parse with an error that names the envelope and the byte where parsing failed. */
function parseExactly(buf: Buffer, start: number, end: number, index: number, offset: number): unknown {
  const text = buf.toString('utf8', start, end);
  try {
    return JSON.parse(text);
  } catch (err) {
    // Byte offset of the failing character: UTF-16 index → UTF-8 bytes of the text before it.
    const at = offset + Buffer.byteLength(text.slice(0, jsonErrorOffset(text)), 'utf8');
    throw new DecodeError(
      `invalid JSON in envelope ${index} at byte ${at.toLocaleString('en-US')} (${(err as Error).message})`,
    );
  }
}

function unexpected(b: number, index: number, at: number): DecodeError {
  const found = b >= 0x20 && b < 0x7f ? `"${String.fromCharCode(b)}"` : `byte 0x${b.toString(16).padStart(2, '0')}`;
  return new DecodeError(
    `invalid JSON in envelope ${index} at byte ${at.toLocaleString('en-US')}: expected "{" but found ${found}`,
  );
}
