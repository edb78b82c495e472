import { isAscii } from 'node:buffer';
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
  /** The parsed object; undefined when the fast scanner read it (its result is then in the scanner's output). */
  readonly value: unknown;
  /** Whether the fast scanner read this object instead of JSON.parse. */
  readonly scanned: boolean;
  /** 1-based index of the object in the stream. */
  readonly index: number;
  /** Offset of its first byte in the (decompressed) stream. */
  readonly offset: number;
}

/** A faster reader for the usual shape of an object. */
export interface FastObjectScanner {
  /** Given the object's text (ASCII) and bytes: true when it read the whole object, false to let JSON.parse. */
  scan(text: string, bytes: Buffer): boolean;
}

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** Receives each object of the stream, in order, as the reader finds it. */
export interface JsonObjectSink {
  take(object: JsonObjectAt): void;
}

/**
 * Reads a byte stream of back-to-back JSON objects (`{…}{…}`, any whitespace or newlines between them),
 * chunk by chunk, and hands each object to the sink. Fast path: writers put objects back to back (`}{`) or one
 * per line (`}\n{`), so the next such boundary found with indexOf is tried first, by the scanner when given
 * and then by JSON.parse; either accepting the piece proves it was a whole object (a piece cut inside a string
 * cannot parse). Otherwise the object's end is found by scanning its structure. The object that continues
 * into the next chunk is held back.
 */
export class JsonObjectReader {
  private buf: Buffer = Buffer.alloc(0);
  private bufOffset = 0; // stream offset of buf[0]
  private index = 0;
  private readonly boundaries = new BoundaryFinder();

  constructor(
    private readonly sink: JsonObjectSink,
    private readonly scan?: FastObjectScanner,
  ) {}

  push(chunk: Buffer): void {
    if (this.buf.length === 0) this.buf = chunk;
    else {
      // An object continues from the last chunk: join the held bytes with the new chunk only up to its first
      // boundary (usually that object's end) instead of copying the whole chunk behind them.
      const cut = endOfFirstBoundary(chunk);
      if (cut === -1) this.buf = Buffer.concat([this.buf, chunk]);
      else {
        this.buf = Buffer.concat([this.buf, chunk.subarray(0, cut)]);
        this.drain(true);
        const tail = chunk.subarray(cut);
        this.buf = this.buf.length === 0 ? tail : Buffer.concat([this.buf, tail]);
      }
    }
    this.drain(false);
    if (this.buf.length > MAX_OBJECT_BYTES) {
      throw new DecodeError(
        `JSON object ${this.index + 1} at byte ${this.bufOffset.toLocaleString('en-US')} is larger than ${MAX_OBJECT_BYTES / 2 ** 20} MiB: not a CloudWatch Logs envelope`,
      );
    }
  }

  /** At the end of the stream: anything but blank space left over is a truncated object. */
  finish(): void {
    const { buf } = this;
    const pos = skipSpace(buf, 0);
    if (pos < buf.length && findObjectEnd(buf, pos) === -1) {
      throw new DecodeError(
        `truncated JSON: envelope ${this.index + 1} starting at byte ${(this.bufOffset + pos).toLocaleString('en-US')} is incomplete at the end of the object`,
      );
    }
  }

  /**
   * Hands every whole object in `buf` to the sink, leaving `buf` at the first incomplete one. `endsAtBoundary`: the buffer
   * was cut just after a boundary's `}`, so its last byte is a candidate end too.
   */
  private drain(endsAtBoundary: boolean): void {
    const { buf, bufOffset, boundaries, scan, sink } = this;
    boundaries.reset(endsAtBoundary ? buf.length - 1 : -1);
    let pos = 0;
    for (;;) {
      pos = skipSpace(buf, pos);
      if (pos >= buf.length) break;
      if (buf[pos] !== OPEN_BRACE) throw unexpected(buf[pos], this.index + 1, bufOffset + pos);
      const offset = bufOffset + pos;
      const fast = boundaries.next(buf, pos);
      if (fast !== -1) {
        const piece = buf.subarray(pos, fast + 1);
        if (scan !== undefined && isAscii(piece) && scan.scan(piece.toString('latin1'), piece)) {
          sink.take({ value: undefined, scanned: true, index: ++this.index, offset });
          pos = fast + 1;
          continue;
        }
        const value = tryParse(piece);
        if (value !== FAILED) {
          sink.take({ value, scanned: false, index: ++this.index, offset });
          pos = fast + 1;
          continue;
        }
      }
      const end = findObjectEnd(buf, pos);
      if (end === -1) break; // the object continues in the next chunk
      const value = parseExactly(buf, pos, end + 1, this.index + 1, offset);
      sink.take({ value, scanned: false, index: ++this.index, offset });
      pos = end + 1;
    }
    this.bufOffset += pos;
    this.buf = buf.subarray(pos);
  }
}

/** Index just after the `}` of the first `}{` or `}\n{` in `chunk`, or -1. */
function endOfFirstBoundary(chunk: Buffer): number {
  const packed = chunk.indexOf('}{', 0, 'latin1');
  const before = packed === -1 ? chunk : chunk.subarray(0, packed + 3);
  const perLine = before.indexOf('}\n{', 0, 'latin1');
  if (perLine !== -1 && (packed === -1 || perLine < packed)) return perLine + 1;
  return packed === -1 ? -1 : packed + 1;
}

/** Finds the next `}{` or `}\n{`, remembering earlier searches so each buffer is scanned about once per pattern. */
class BoundaryFinder {
  private packed = -2;
  private perLine = -2;
  /** Index of a `}` known to end the buffer at a boundary, or -1. */
  private last = -1;

  reset(last: number): void {
    this.packed = -2;
    this.perLine = -2;
    this.last = last;
  }

  /** Index of the `}` of the nearest boundary after `from`, or -1. */
  next(buf: Buffer, from: number): number {
    if (this.packed !== -1 && this.packed < from) this.packed = buf.indexOf('}{', from, 'latin1');
    if (this.perLine !== -1 && this.perLine < from) this.perLine = buf.indexOf('}\n{', from, 'latin1');
    const found =
      this.packed === -1 ? this.perLine : this.perLine === -1 ? this.packed : Math.min(this.packed, this.perLine);
    return found === -1 && this.last >= from ? this.last : found;
  }
}

const FAILED = Symbol('failed');

function tryParse(piece: Buffer): unknown {
  try {
    return JSON.parse(piece.toString('utf8'));
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
