import { VERSION } from '../version.js';
import type { ObjectResult, RunReport } from './types.js';

/** Results kept in memory for the returned report by default; every result still reaches the report file. */
export const DEFAULT_KEPT_RESULTS = 10_000;

/** Distinct warnings kept (they name unknown fields, so a handful in practice; bounded against hostile input). */
const MAX_WARNINGS = 1000;

/**
 * Sums per-object results into the run report as they arrive, in O(1) per result. It keeps the first
 * `keep` results and failures only, so memory does not grow with the number of objects; the totals cover all.
 */
export class ReportAccumulator {
  private readonly counts = { total: 0, converted: 0, skipped: 0, failed: 0 };
  private rows = 0;
  private controlMessages = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private externalAccountRows = 0;
  private readonly rejectedByReason: Record<string, number> = {};
  private readonly warnings: Set<string>;
  private readonly results: ObjectResult[] = [];
  private readonly failures: Array<{ key: string; error: string }> = [];
  private omitted = 0;

  constructor(
    private readonly keep = DEFAULT_KEPT_RESULTS,
    warnings: readonly string[] = [],
  ) {
    this.warnings = new Set(warnings);
  }

  get failed(): number {
    return this.counts.failed;
  }

  get done(): number {
    return this.counts.total;
  }

  add(r: ObjectResult): void {
    this.counts.total++;
    this.counts[r.status]++;
    this.rows += r.rows;
    this.controlMessages += r.controlMessages;
    this.bytesIn += r.bytesIn;
    this.bytesOut += r.bytesOut;
    this.externalAccountRows += r.externalAccountRows ?? 0;
    for (const reason in r.rejected)
      this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + r.rejected[reason];
    for (const w of r.warnings) if (this.warnings.size < MAX_WARNINGS) this.warnings.add(w);
    if (this.results.length < this.keep) this.results.push(r);
    else this.omitted++;
    if (r.status === 'failed' && this.failures.length < this.keep) {
      this.failures.push({ key: r.key, error: r.error ?? 'unknown error' });
    }
  }

  report(args: { source: string; destination: string; startedAt: Date; seconds: number }): RunReport {
    const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    return {
      tool: 'flowlake',
      version: VERSION,
      source: args.source,
      destination: args.destination,
      startedAt: args.startedAt.toISOString(),
      seconds: Number(args.seconds.toFixed(3)),
      objects: { ...this.counts },
      rows: this.rows,
      rejectedRows: Object.values(this.rejectedByReason).reduce((a, b) => a + b, 0),
      rejectedByReason: { ...this.rejectedByReason },
      controlMessages: this.controlMessages,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      ...(this.externalAccountRows > 0 ? { externalAccountRows: this.externalAccountRows } : {}),
      failures: [...this.failures].sort(byKey),
      warnings: [...this.warnings],
      results: [...this.results].sort(byKey),
      ...(this.omitted > 0 ? { resultsOmitted: this.omitted } : {}),
    };
  }
}

/** Sums per-object results into the run report (the `--report` JSON and the backfill summary). */
export function buildReport(args: {
  source: string;
  destination: string;
  startedAt: Date;
  seconds: number;
  results: readonly ObjectResult[];
  warnings?: readonly string[];
}): RunReport {
  const sum = new ReportAccumulator(Number.POSITIVE_INFINITY, args.warnings);
  for (const r of args.results) sum.add(r);
  return sum.report(args);
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
