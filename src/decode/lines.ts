import { StringDecoder } from 'node:string_decoder';
import { parseFormat } from '../formats/format.js';
import { BatchBuilder, type DecodeContext, type FormatChoice } from './context.js';
import { at, MAX_RECORD_BYTES, recordTooLong } from './limits.js';
import type { EventBatch } from './types.js';

/**
 * Splits a byte stream into text lines (LF or CRLF), skipping blank ones. A line longer than `maxLineBytes`
 * fails the object as soon as its first `maxLineBytes + 1` bytes are in, so the line held back between chunks
 * has a bound and every byte is decoded once. Lengths are counted only where a chunk could hold a long line.
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes = MAX_RECORD_BYTES,
): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let restBytes = 0; // bytes of the unfinished line held in `rest`
  let restOffset = 0; // stream offset of its first byte
  for await (const chunk of chunks) {
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      restBytes += chunk.length;
      if (restBytes > maxLineBytes) throw recordTooLong(`the line ${at(restOffset)}`);
      rest += decoder.write(chunk);
      continue;
    }
    if (restBytes + lastNewline > maxLineBytes)
      checkLineLengths(chunk, lastNewline, restBytes, restOffset, maxLineBytes);
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    restOffset += restBytes + lastNewline + 1;
    restBytes = chunk.length - lastNewline - 1;
    if (restBytes > maxLineBytes) throw recordTooLong(`the line ${at(restOffset)}`);
    yield cleanLines(parts);
  }
  const last = rest + decoder.end();
  if (last.trim() !== '') yield cleanLines([last]);
}

const NEWLINE = 0x0a;

/** Throws for the first line of `chunk` (up to its last newline) longer than `max` bytes. */
function checkLineLengths(chunk: Buffer, lastNewline: number, restBytes: number, restOffset: number, max: number) {
  const chunkOffset = restOffset + restBytes;
  let start = -restBytes; // the held line started before this chunk
  for (;;) {
    const newline = chunk.indexOf(NEWLINE, Math.max(start, 0));
    const end = newline === -1 || newline > lastNewline ? lastNewline : newline;
    if (end - start > max) throw recordTooLong(`the line ${at(chunkOffset + start)}`, end - start);
    if (end === lastNewline) return;
    start = end + 1;
  }
}

function cleanLines(parts: string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    const line = part.endsWith('\r') ? part.slice(0, -1) : part;
    if (line.trim() !== '') out.push(line);
  }
  return out;
}

/** `2020-02-01T00:00:00.000Z ` — the prefix a CloudWatch Logs export task puts on every line. */
export const EXPORT_PREFIX = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) /;

export type LineShape = 'lines' | 's3-text' | 'export';

/**
 * Decodes line-based shapes: bare flow-log lines (Firehose message extraction, or straight to Firehose),
 * direct-to-S3 text whose first line is a header naming the fields, and CloudWatch Logs exports.
 */
export async function* decodeLines(
  chunks: AsyncIterable<Buffer>,
  shape: LineShape,
  ctx: DecodeContext,
): AsyncGenerator<EventBatch> {
  const builder = new BatchBuilder();
  let choice: FormatChoice | undefined = shape === 's3-text' ? undefined : ctx.formatFor(undefined);
  for await (const lines of splitLines(chunks)) {
    for (const line of lines) {
      if (choice === undefined) {
        // The header of a direct-to-S3 file defines the schema of the rows below it.
        choice = { format: parseFormat(line), key: '' };
        continue;
      }
      if (shape === 'export') {
        const m = EXPORT_PREFIX.exec(line);
        if (!m) {
          ctx.reject('line without the export timestamp prefix', line);
          continue;
        }
        builder.add(choice, Date.parse(m[1]), line.slice(m[0].length));
      } else {
        builder.add(choice, Number.NaN, line);
      }
    }
    yield* builder.takeFull();
  }
  yield* builder.drain();
}
