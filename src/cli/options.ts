import { InvalidArgumentError } from 'commander';
import { type CompressionName, parseCompression } from '../encode/parquet/codecs.js';
import type { OutputKind } from '../encode/types.js';

export function parseOutputKinds(value: string): OutputKind[] {
  const kinds = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const allowed: OutputKind[] = ['csv', 'parquet', 'jsonl', 'ocsf'];
  for (const k of kinds) {
    if (!allowed.includes(k as OutputKind))
      throw new InvalidArgumentError(`"${k}" is not one of ${allowed.join(', ')}`);
  }
  if (kinds.length === 0) throw new InvalidArgumentError('give at least one of csv, parquet, jsonl, ocsf');
  return [...new Set(kinds)] as OutputKind[];
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** `--log-group-format NAME=FORMAT`, repeatable. */
export function collectLogGroupFormat(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected NAME=FORMAT');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--compression`: a Parquet codec this runtime can write. */
export function parseCompressionOption(value: string): CompressionName {
  try {
    return parseCompression(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
