import { VERSION } from '../version.js';
import type { ObjectResult, RunReport } from './types.js';

/** Sums per-object results into the run report (the `--report` JSON and the backfill summary). */
export function buildReport(args: {
  source: string;
  destination: string;
  startedAt: Date;
  seconds: number;
  results: readonly ObjectResult[];
  warnings?: readonly string[];
}): RunReport {
  const { results } = args;
  const rejectedByReason: Record<string, number> = {};
  let rows = 0;
  let controlMessages = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  const warnings = new Set(args.warnings ?? []);
  for (const r of results) {
    rows += r.rows;
    controlMessages += r.controlMessages;
    bytesIn += r.bytesIn;
    bytesOut += r.bytesOut;
    for (const [reason, n] of Object.entries(r.rejected))
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + n;
    for (const w of r.warnings) warnings.add(w);
  }
  const count = (status: ObjectResult['status']) => results.filter((r) => r.status === status).length;
  return {
    tool: 'flowlake',
    version: VERSION,
    source: args.source,
    destination: args.destination,
    startedAt: args.startedAt.toISOString(),
    seconds: Number(args.seconds.toFixed(3)),
    objects: {
      total: results.length,
      converted: count('converted'),
      skipped: count('skipped'),
      failed: count('failed'),
    },
    rows,
    rejectedRows: Object.values(rejectedByReason).reduce((a, b) => a + b, 0),
    rejectedByReason,
    controlMessages,
    bytesIn,
    bytesOut,
    failures: results
      .filter((r) => r.status === 'failed')
      .map((r) => ({ key: r.key, error: r.error ?? 'unknown error' })),
    warnings: [...warnings],
    results,
  };
}

/** The result of an object that failed before (or without) converting anything. */
export function failedResult(key: string, error: string, seconds = 0): ObjectResult {
  return {
    key,
    status: 'failed',
    error,
    rows: 0,
    rejected: {},
    controlMessages: 0,
    bytesIn: 0,
    bytesOut: 0,
    outputs: [],
    warnings: [],
    seconds,
  };
}
