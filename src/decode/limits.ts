/**
 * Bounds on what one piece of an input may hold. Input is hostile: every buffer has a bound, and a piece past
 * its bound fails the object (naming the byte where the piece starts) instead of being buffered.
 * The reasons for each number are in docs/decisions.md ("Bounds on input").
 */
import { DecodeError } from './types.js';

/** A line or a record (a log event's message, a `{"message":…}` line): flow-log records are a few hundred bytes. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * One JSON object of the stream (a CloudWatch Logs envelope): a PutLogEvents batch holds at most 1 MiB of
 * messages plus 10,000 events' JSON (ids, timestamps, keys: about 100 bytes each), so about 2 MiB; 8 MiB leaves
 * room for escaping.
 */
export const MAX_OBJECT_BYTES = 8 * 1024 * 1024;

/** A Parquet input, read whole (it needs random access) — see docs/decisions.md. */
export const MAX_PARQUET_BYTES = 64 * 1024 * 1024;
/** One row group of a Parquet input, uncompressed as its metadata declares it (decoded one at a time). */
export const MAX_PARQUET_GROUP_BYTES = 64 * 1024 * 1024;
/** One page of a Parquet input, decompressed: no codec may produce more. */
export const MAX_PARQUET_PAGE_BYTES = 64 * 1024 * 1024;

const MiB = 1024 * 1024;

function bytes(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The error of a line or record past MAX_RECORD_BYTES: `what` says which and where it starts
 * (`line 1 at byte 0`), `length` its size when known.
 */
export function recordTooLong(what: string, length?: number): DecodeError {
  const size = length === undefined ? '' : ` (${bytes(length)} bytes)`;
  return new DecodeError(`${what} is longer than ${MAX_RECORD_BYTES / MiB} MiB${size}: not a flow-log record`);
}

export function at(offset: number): string {
  return `at byte ${bytes(offset)}`;
}

/** Whether a string's UTF-8 form is longer than MAX_RECORD_BYTES (counting bytes only when it could be). */
export function isLongerThanRecord(text: string): boolean {
  // A UTF-16 unit is at most 3 bytes of UTF-8, and never fewer than 1.
  if (text.length * 3 <= MAX_RECORD_BYTES) return false;
  return text.length > MAX_RECORD_BYTES || Buffer.byteLength(text, 'utf8') > MAX_RECORD_BYTES;
}
