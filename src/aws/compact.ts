import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { type CompressionName, parseCompression } from '../encode/parquet/codecs.js';
import { type CompactOptions, type CompactReport, compactLake } from '../lake/compact.js';
import { parseDay } from '../lake/lake-keys.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { asFolderPrefix, s3Url } from './config.js';
import { isRecord } from './events.js';

/**
 * The compaction Lambda (DESIGN §10): `compactLake`, the function behind `flowlake compact`, over the stack's
 * lake in S3, for the days one event names. Three callers, three event shapes:
 * - a Distributed Map batch of the backfill, one item per day: `{Items: [{day: 'YYYYMMDD'}, …], BatchInput?}`;
 * - the real-time schedule: `{scheduledTime: ISO time, daysBack: [1, 2]}` (the days before the scheduled time's
 *   UTC day, so a retried or late invocation still compacts the days it was meant for);
 * - by hand (`aws lambda invoke`): `{days: ['2020-02-01', …]}` or `{since?: day, until?: day}`.
 */

export interface CompactConfig {
  readonly destBucket: string;
  /** '' or a prefix: the lake's root, as convert wrote it. */
  readonly destPrefix: string;
  /** Files are cut at about this size (default: compactLake's, 256 MiB). */
  readonly targetBytes?: number;
  readonly compression?: CompressionName;
  /** How long a day's new files exist before its state publishes them (default: compactLake's, on S3 30 s). */
  readonly publishDelayMs?: number;
}

/** Which days to compact: a list, or a window (both ends optional, inclusive). */
export type CompactRequest =
  | { readonly days: readonly string[] }
  | { readonly since?: string; readonly until?: string; readonly days?: undefined };

/** What the function returns (and logs): the compaction report without its per-run detail. */
export interface CompactSummary
  extends Pick<
    CompactReport,
    | 'lake'
    | 'days'
    | 'failures'
    | 'filesIn'
    | 'bytesIn'
    | 'filesOut'
    | 'bytesOut'
    | 'rows'
    | 'retiredDeleted'
    | 'retiredWaiting'
    | 'orphansRemoved'
    | 'seconds'
  > {
  /** The days asked for (`YYYYMMDD`), or the window. */
  readonly requested: CompactRequest;
  readonly generation?: string;
  /** Set when the lake has no bookkeeping yet (nothing was ever converted into it): nothing was done. */
  readonly note?: string;
}

/** Some days could not be compacted (a corrupt file): they were left as they were; the others were published. */
export class DaysNotCompactedError extends Error {
  override readonly name = 'FlowlakeDaysNotCompacted';
}

export class CompactEventError extends Error {
  override readonly name = 'CompactEventError';
}

const DAY_MS = 86_400_000;
/** One day per map item; a batch of more days than this is not what the stack sends. */
const MAX_DAYS_PER_EVENT = 366;

/** The days an event asks for; throws CompactEventError for anything else. */
export function requestFromEvent(event: unknown): CompactRequest {
  if (!isRecord(event)) throw new CompactEventError('expected a JSON object event');
  if (Array.isArray(event.Items)) {
    return { days: dayList(event.Items.map((item) => (isRecord(item) ? item.day : item))) };
  }
  if (event.daysBack !== undefined || event.scheduledTime !== undefined) {
    const at = typeof event.scheduledTime === 'string' ? Date.parse(event.scheduledTime) : Number.NaN;
    if (!Number.isFinite(at)) throw new CompactEventError('scheduledTime must be an ISO time');
    const back = Array.isArray(event.daysBack) ? event.daysBack : [];
    if (back.length === 0 || !back.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_DAYS_PER_EVENT)) {
      throw new CompactEventError('daysBack must be a non-empty list of whole days (0 = the scheduled day)');
    }
    const midnight = Math.floor(at / DAY_MS) * DAY_MS;
    return { days: dayList(back.map((n) => new Date(midnight - n * DAY_MS).toISOString().slice(0, 10))) };
  }
  if (event.days !== undefined) {
    if (!Array.isArray(event.days)) throw new CompactEventError('days must be a list of YYYY-MM-DD days');
    return { days: dayList(event.days) };
  }
  if (event.since !== undefined || event.until !== undefined) {
    const since = event.since === undefined ? undefined : oneDay(event.since);
    const until = event.until === undefined ? undefined : oneDay(event.until);
    if (since && until && since > until) throw new CompactEventError(`since ${since} is after until ${until}`);
    return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
  }
  throw new CompactEventError(
    'unsupported event: expected {Items: [{day}]}, {scheduledTime, daysBack}, {days} or {since, until}',
  );
}

function dayList(values: readonly unknown[]): string[] {
  if (values.length === 0) throw new CompactEventError('no days to compact');
  if (values.length > MAX_DAYS_PER_EVENT) {
    throw new CompactEventError(`${values.length} days in one event; at most ${MAX_DAYS_PER_EVENT}`);
  }
  return [...new Set(values.map(oneDay))].sort();
}

function oneDay(value: unknown): string {
  const day = typeof value === 'string' ? parseDay(value) : undefined;
  if (!day) throw new CompactEventError(`"${String(value)}" is not a day (YYYY-MM-DD or YYYYMMDD)`);
  return day;
}

/**
 * COMPACT_TARGET_MIB, COMPRESSION (snappy, zstd, gzip, none) and PUBLISH_DELAY_SECONDS are optional; DEST_BUCKET and
 * DEST_PREFIX are the worker's.
 */
export function readCompactConfig(env: NodeJS.ProcessEnv = process.env): CompactConfig {
  const destBucket = env.DEST_BUCKET;
  if (!destBucket) throw new Error('environment variable DEST_BUCKET is not set');
  const mib = env.COMPACT_TARGET_MIB ? Number(env.COMPACT_TARGET_MIB) : undefined;
  if (mib !== undefined && !(Number.isFinite(mib) && mib > 0)) {
    throw new Error(`COMPACT_TARGET_MIB must be a positive number, got "${env.COMPACT_TARGET_MIB}"`);
  }
  const compression = env.COMPRESSION ? parseCompression(env.COMPRESSION) : undefined;
  const delay = env.PUBLISH_DELAY_SECONDS ? Number(env.PUBLISH_DELAY_SECONDS) : undefined;
  if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0 && delay <= 300)) {
    throw new Error(`PUBLISH_DELAY_SECONDS must be a number from 0 to 300, got "${env.PUBLISH_DELAY_SECONDS}"`);
  }
  return {
    destBucket,
    destPrefix: env.DEST_PREFIX ?? '',
    ...(mib !== undefined ? { targetBytes: Math.round(mib * 2 ** 20) } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(delay !== undefined ? { publishDelayMs: delay * 1000 } : {}),
  };
}

export interface CompactorDependencies {
  readonly config: CompactConfig;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Extra compactLake options (tests: a clock, a grace). */
  readonly options?: Pick<CompactOptions, 'now' | 'retireGraceMs' | 'rowGroupRows'>;
}

export type CompactHandler = (event: unknown, context?: Context) => Promise<CompactSummary>;

export interface Compactor extends CompactHandler {
  close(): Promise<void>;
}

export function createCompactor(deps: CompactorDependencies): Compactor {
  const logger = deps.logger ?? new Logger({ serviceName: 'flowlake-compact' });
  const metrics = deps.metrics ?? new Metrics({ namespace: 'flowlake', serviceName: 'flowlake-compact' });
  const { config } = deps;
  let opened: Promise<Storage> | undefined;

  const handle: CompactHandler = async (event, context) => {
    if (context) logger.addContext(context);
    const requested = requestFromEvent(event);
    opened ??= openStorage(s3Url(config.destBucket, asFolderPrefix(config.destPrefix)));
    const dest = await opened;
    if (!(await hasBookkeeping(dest))) {
      // The schedule runs from the deployment on; until the first object converts there is no lake.
      logger.info('no lake yet: nothing converted into the destination', { lake: dest.root });
      return emptySummary(dest.root, requested, 'no lake yet (no _flowlake/ bookkeeping): nothing to compact');
    }
    logger.info('compacting', { lake: dest.root, requested });
    const report = await compactLake(dest, {
      ...(requested.days ? { days: requested.days } : { since: requested.since, until: requested.until }),
      targetBytes: config.targetBytes,
      compression: config.compression,
      publishDelayMs: config.publishDelayMs,
      ...deps.options,
    });
    const summary = summarize(report, requested);
    metrics.addMetric('daysCompacted', MetricUnit.Count, report.days.compacted);
    metrics.addMetric('daysFailed', MetricUnit.Count, report.days.failed);
    metrics.addMetric('filesIn', MetricUnit.Count, report.filesIn);
    metrics.addMetric('filesOut', MetricUnit.Count, report.filesOut);
    metrics.addMetric('compactedRows', MetricUnit.Count, report.rows);
    metrics.addMetric('compactedBytes', MetricUnit.Bytes, report.bytesOut);
    metrics.publishStoredMetrics();
    if (report.failures.length > 0) {
      logger.error('days left as they were', { ...summary });
      throw new DaysNotCompactedError(
        `${report.failures.length} day(s) not compacted, left as they were: ${report.failures
          .map((f) => f.error)
          .join('; ')
          .slice(0, 2000)}`,
      );
    }
    logger.info('compacted', { ...summary });
    return summary;
  };
  const close = async () => {
    const storage = await opened;
    opened = undefined;
    await (storage as { close?: () => Promise<void> } | undefined)?.close?.();
  };
  return Object.assign(handle, { close });
}

async function hasBookkeeping(dest: Storage): Promise<boolean> {
  for await (const _ of dest.list({ prefixes: ['_flowlake/'] })) return true;
  return false;
}

function summarize(report: CompactReport, requested: CompactRequest): CompactSummary {
  return {
    lake: report.lake,
    requested,
    generation: report.generation,
    days: report.days,
    failures: report.failures,
    filesIn: report.filesIn,
    bytesIn: report.bytesIn,
    filesOut: report.filesOut,
    bytesOut: report.bytesOut,
    rows: report.rows,
    retiredDeleted: report.retiredDeleted,
    retiredWaiting: report.retiredWaiting,
    orphansRemoved: report.orphansRemoved,
    seconds: report.seconds,
  };
}

function emptySummary(lake: string, requested: CompactRequest, note: string): CompactSummary {
  return {
    lake,
    requested,
    days: { compacted: 0, unchanged: 0, failed: 0 },
    failures: [],
    filesIn: 0,
    bytesIn: 0,
    filesOut: 0,
    bytesOut: 0,
    rows: 0,
    retiredDeleted: 0,
    retiredWaiting: 0,
    orphansRemoved: 0,
    seconds: 0,
    note,
  };
}

let defaultCompactor: CompactHandler | undefined;

/** The Lambda entry point: configuration from the environment, built on first use. */
export const handler: CompactHandler = (event, context) => {
  defaultCompactor ??= createCompactor({ config: readCompactConfig() });
  return defaultCompactor(event, context);
};
