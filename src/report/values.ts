import type { JsonValue } from './session.js';

/** A query value as a number (counts and sums past 2^53 arrive as text); null stays null. */
export function numberOrNull(value: JsonValue | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

export function numberOf(value: JsonValue | undefined): number {
  return numberOrNull(value) ?? 0;
}
