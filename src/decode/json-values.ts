import { isAscii } from 'node:buffer';
import { jsonErrorOffset } from './json-error-offset.js';
import { MAX_OBJECT_BYTES } from './limits.js';
import { DecodeError } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

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
  /** Its length in bytes: no string inside it can be longer. */
  readonly length: number;
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
 * cannot parse). Otherwise the object's end is found by scanning its structure.
 *
 * An object that continues into the next chunks is held as a list of chunks, and the scan of its structure
 * resumes where it stopped: every byte is looked at once, so time stays linear in the object however the
 * chunks fall, and an object past MAX_OBJECT_BYTES fails as soon as it gets there.
 */
export class JsonObjectReader {
  /** Stream offset of the next byte pushed, or of the held object's first byte while one is held. */
  private offset = 0;
  private index = 0;
  private readonly boundaries = new BoundaryFinder();
  /** The structure scan of the held object, resumed chunk after chunk. */
  private readonly end = new ObjectEndScanner();
  /** Chunks of an object that continues in the next chunk, and their total length. */
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    private readonly sink: JsonObjectSink,
    private readonly scan?: FastObjectScanner,
  ) {}

  push(chunk: Buffer): void {
    if (this.heldBytes === 0) {
      this.drain(chunk);
      return;
    }
    const end = this.end.next(chunk, 0);
    if (end === -1) {
      this.hold(chunk);
      return;
    }
    this.held.push(chunk.subarray(0, end + 1));
    const piece = Buffer.concat(this.held, this.heldBytes + end + 1);
    this.held = [];
    this.heldBytes = 0;
    this.take(piece, this.offset);
    this.offset += piece.length;
    this.drain(chunk.subarray(end + 1));
  }

  /** At the end of the stream: an object still held is a truncated one. */
  finish(): void {
    if (this.heldBytes > 0) {
      throw new DecodeError(
        `truncated JSON: envelope ${this.index + 1} starting at byte ${this.offset.toLocaleString('en-US')} is incomplete at the end of the object`,
      );
    }
  }

  private hold(part: Buffer): void {
    this.held.push(part);
    this.heldBytes += part.length;
    if (this.heldBytes > MAX_OBJECT_BYTES) {
      throw new DecodeError(
        `JSON object ${this.index + 1} at byte ${this.offset.toLocaleString('en-US')} is larger than ${MAX_OBJECT_BYTES / 2 ** 20} MiB: not a CloudWatch Logs envelope`,
      );
    }
  }

  /** Parses one whole object, by the scanner when it can, and hands it to the sink. */
  private take(piece: Buffer, offset: number): void {
    if (this.scan !== undefined && isAscii(piece) && this.scan.scan(piece.toString('latin1'), piece)) {
      this.sink.take({ value: undefined, scanned: true, index: ++this.index, offset, length: piece.length });
      return;
    }
    const value = parseExactly(piece, 0, piece.length, this.index + 1, offset);
    this.sink.take({ value, scanned: false, index: ++this.index, offset, length: piece.length });
  }

  /** Hands every whole object in `buf` to the sink and holds the incomplete one at its end, if any. */
  private drain(buf: Buffer): void {
    const { boundaries, scan, sink } = this;
    const bufOffset = this.offset;
    boundaries.reset();
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
          sink.take({ value: undefined, scanned: true, index: ++this.index, offset, length: piece.length });
          pos = fast + 1;
          continue;
        }
        const value = tryParse(piece);
        if (value !== FAILED) {
          sink.take({ value, scanned: false, index: ++this.index, offset, length: piece.length });
          pos = fast + 1;
          continue;
        }
      }
      this.end.reset();
      const end = this.end.next(buf, pos);
      if (end === -1) {
        // The object continues in the next chunk: hold its start, keep the scan's state.
        this.offset = offset;
        this.hold(buf.subarray(pos));
        return;
      }
      const value = parseExactly(buf, pos, end + 1, this.index + 1, offset);
      sink.take({ value, scanned: false, index: ++this.index, offset, length: end + 1 - pos });
      pos = end + 1;
    }
    this.offset = bufOffset + buf.length;
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
    return this.packed === -1 ? this.perLine : this.perLine === -1 ? this.packed : Math.min(this.packed, this.perLine);
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
 * Finds the `}` closing a JSON object, across as many buffers as it takes: the state (nesting depth, inside a
 * string, after a backslash) carries from one buffer to the next, so each byte is looked at once. Strings are
 * skipped with indexOf, so the cost is per structural character rather than per byte of the messages inside.
 */
export class ObjectEndScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  reset(): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Index in `buf` of the `}` that closes the object, or -1 when `buf` ends first (the state is kept). */
  next(buf: Buffer, from: number): number {
    let i = from;
    // Where the next quote and backslash are, searched again only once passed: strings full of escapes stay linear.
    let nextQuote = -2;
    let nextBackslash = -2;
    if (this.escaped) {
      // The last buffer ended with a backslash inside a string: this buffer's first byte is escaped.
      this.escaped = false;
      i++;
    }
    while (i < buf.length) {
      if (this.inString) {
        // Find the string's closing quote, stepping over escapes.
        if (nextQuote !== -1 && nextQuote < i) nextQuote = buf.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = buf.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (nextQuote === -1 || nextBackslash < nextQuote)) {
          i = nextBackslash + 2;
          if (i > buf.length) this.escaped = true;
          continue;
        }
        if (nextQuote === -1) return -1;
        this.inString = false;
        i = nextQuote + 1;
        continue;
      }
      const b = buf[i];
      if (b === QUOTE) this.inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) return i;
      }
      i++;
    }
    return -1;
  }
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
