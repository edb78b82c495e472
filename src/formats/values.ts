import type { FieldType } from './fields.js';

/** A flow-log value typed for Parquet and JSONL: a number for int32/int64 fields, a string, or null for `-`. */
export type FieldValue = number | string | null;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const DASH = 45;
const ZERO = 48;
const SPACE = 32;

/** Where the last `scanInt` stopped: the index of the space after the token (or the text's length). */
export const scanned = { end: 0 };

/**
 * Reads the space-terminated token at `start` as an integer in one pass (no indexOf, no substring), leaving
 * the token's end in `scanned.end`. Returns NaN when the token is `-` (no value), empty, or not a plain decimal
 * integer within the safe range — AWS writes none of those in an integer field, so they become null.
 */
export function scanInt(text: string, start: number): number {
  const length = text.length;
  let i = start;
  let negative = false;
  if (i < length && text.charCodeAt(i) === DASH) {
    negative = true;
    i++;
  }
  const digits = i;
  let value = 0;
  let valid = true;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE) break;
    const d = c - ZERO;
    if (d < 0 || d > 9) valid = false;
    value = value * 10 + d;
  }
  scanned.end = i;
  if (!valid || i === digits || i - digits > 16 || value > Number.MAX_SAFE_INTEGER) return Number.NaN;
  return negative ? 0 - value : value; // 0 - 0 is +0: "-0" reads as 0
}

/** Whether an integer fits the column type (int32 fields are 32-bit in AWS's own Parquet). */
export function fitsType(value: number, type: FieldType): boolean {
  return type !== 'int32' || (value >= INT32_MIN && value <= INT32_MAX);
}

/**
 * Types one token of a flow-log line as the Parquet and JSONL outputs do: `-` → null; int32/int64 fields →
 * number (null when the token is not an integer of that type); strings as they are.
 */
export function typeToken(token: string, type: FieldType): FieldValue {
  if (token === '-') return null;
  if (type === 'string') return token;
  const value = scanInt(token, 0);
  return Number.isNaN(value) || scanned.end !== token.length || !fitsType(value, type) ? null : value;
}
