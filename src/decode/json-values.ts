import { jsonErrorOffset } from './json-error-offset.js';
import { DecodeError } from './types.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** One top-level JSON object found in the stream, with its position for error messages. */
export interface JsonValueBytes {
  readonly bytes: Buffer;
  /** 1-based index of the object in the stream. */
  readonly index: number;
  /** Offset of its first byte in the (decompressed) stream. */
  readonly offset: number;
}

/**
 * Splits a byte stream of back-to-back JSON objects (`{…}{…}`, with any whitespace or newlines between them)
 * into one buffer per object, without parsing them. Strings are skipped with indexOf, so the cost is a few
 * comparisons per structural character rather than per byte of the flow-log messages inside.
 */
export async function* splitJsonObjects(chunks: AsyncIterable<Buffer>): AsyncGenerator<JsonValueBytes> {
  let depth = 0;
  let inString = false;
  let escaped = false; // a backslash ended the previous chunk inside a string
  let pieces: Buffer[] = [];
  let streamOffset = 0; // offset of the current chunk's first byte
  let objectOffset = 0;
  let index = 0;

  for await (const chunk of chunks) {
    const len = chunk.length;
    let i = 0;
    let objectStart = depth > 0 ? 0 : -1;
    let nextBackslash = -2; // -2: not looked up yet for this chunk

    while (i < len) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        const quote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (quote === -1 || nextBackslash < quote)) {
          i = nextBackslash + 1;
          escaped = true;
          continue;
        }
        if (quote === -1) {
          i = len;
          break;
        }
        inString = false;
        i = quote + 1;
        continue;
      }
      const b = chunk[i];
      if (depth === 0) {
        if (isJsonSpace(b)) {
          i++;
          continue;
        }
        if (b !== OPEN_BRACE) {
          throw new DecodeError(
            `invalid JSON in envelope ${index + 1} at byte ${(streamOffset + i).toLocaleString('en-US')}: expected "{" but found ${describeByte(b)}`,
          );
        }
        objectStart = i;
        objectOffset = streamOffset + i;
        depth = 1;
        i++;
        continue;
      }
      if (b === QUOTE) inString = true;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          const tail = chunk.subarray(objectStart, i + 1);
          const bytes = pieces.length ? Buffer.concat([...pieces, tail]) : tail;
          pieces = [];
          objectStart = -1;
          index++;
          yield { bytes, index, offset: objectOffset };
        }
      }
      i++;
    }
    if (depth > 0 && objectStart >= 0) pieces.push(chunk.subarray(objectStart));
    streamOffset += len;
  }
  if (depth > 0 || inString) {
    throw new DecodeError(
      `truncated JSON: envelope ${index + 1} starting at byte ${objectOffset.toLocaleString('en-US')} is incomplete at the end of the object`,
    );
  }
}

function describeByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? `"${String.fromCharCode(b)}"` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/** JSON.parse with an error that names the envelope and the byte where parsing failed. */
export function parseJsonObject(value: JsonValueBytes): unknown {
  const text = value.bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    // Byte offset of the failing character: UTF-16 index → UTF-8 bytes of the text before it.
    const at = value.offset + Buffer.byteLength(text.slice(0, jsonErrorOffset(text)), 'utf8');
    throw new DecodeError(
      `invalid JSON in envelope ${value.index} at byte ${at.toLocaleString('en-US')} (${(err as Error).message})`,
    );
  }
}
