import { Logger } from '@aws-lambda-powertools/logger';
import { buildReport, failedResult } from '../convert/report.js';
import type { ObjectResult } from '../convert/types.js';
import { parseRecentKey } from '../lake/lake-keys.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { asFolderPrefix, s3Url } from './config.js';
import { isRecord, isSourceKey } from './events.js';

/** The summary step's input, as the state machine passes it (see infra/stack.ts). */
export interface SummaryEvent {
  readonly executionName: string;
  /** ISO time the execution started ($$.Execution.StartTime). */
  readonly startedAt: string;
  /** The source prefix the run listed. */
  readonly prefix: string;
  /** The Distributed Map's output: where the ResultWriter put its manifest. */
  readonly resultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

export interface SummaryOutput {
  /** Full key of the run report in the destination bucket. */
  readonly reportKey: string;
  readonly total: number;
  readonly failed: number;
  readonly rows: number;
  /** One line for a human: the Fail state shows it as the execution's cause. */
  readonly message: string;
  /**
   * With `lakeDays`: the days (`YYYYMMDD`) the run wrote lake files for, converted now or before (skipped), and
   * the full key of the JSON list of them (`[{"day": …}, …]`) that the compaction map reads.
   */
  readonly days?: number;
  readonly daysKey?: string;
}

export interface SummaryConfig {
  readonly sourceBucket: string;
  /** Keys in results are relative to it, as the worker reports them. */
  readonly sourcePrefix: string;
  readonly destBucket: string;
  readonly destPrefix: string;
  /** Write the list of the days the run touched in the lake (the stack's lake: Parquet in the hive layout). */
  readonly lakeDays?: boolean;
}

/** One child execution as the ResultWriter records it (Transformation NONE). */
export interface ChildExecutionRecord {
  readonly Status?: string;
  readonly Input?: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

export function runReportKey(executionName: string): string {
  return `_flowlake/runs/${executionName}.json`;
}

/** Execution names have no dots, so this never names another run's report. */
export function runDaysKey(executionName: string): string {
  return `_flowlake/runs/${executionName}.days.json`;
}

/** The lake days (`YYYYMMDD`, sorted) that results wrote recent files for: the days to compact after the run. */
export function lakeDaysOf(results: readonly ObjectResult[]): string[] {
  const days = new Set<string>();
  for (const result of results) {
    if (result.status === 'failed') continue;
    for (const output of result.outputs) {
      const file = parseRecentKey(output);
      if (file) days.add(file.day);
    }
  }
  return [...days].sort();
}

export function createSummary(config: SummaryConfig, logger = new Logger({ serviceName: 'flowlake-summary' })) {
  const destPrefix = asFolderPrefix(config.destPrefix);
  const sourcePrefix = asFolderPrefix(config.sourcePrefix);
  let opened: Promise<Storage> | undefined;

  return async (event: SummaryEvent): Promise<SummaryOutput> => {
    opened ??= openStorage(s3Url(config.destBucket, destPrefix));
    const dest = await opened;
    const details = event.resultWriterDetails;
    if (details.Bucket !== config.destBucket) {
      throw new Error(`map results are in ${details.Bucket}, expected the destination bucket ${config.destBucket}`);
    }
    const manifest = await readJson(dest, relativeTo(destPrefix, details.Key));
    const files = isRecord(manifest) && isRecord(manifest.ResultFiles) ? manifest.ResultFiles : {};
    const results: ObjectResult[] = [];
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING']) {
      const list = Array.isArray(files[status]) ? (files[status] as Array<{ Key: string }>) : [];
      for (const file of list) {
        const records = await readJson(dest, relativeTo(destPrefix, file.Key));
        if (!Array.isArray(records)) throw new Error(`result file ${file.Key} is not a JSON array`);
        for (const child of records as ChildExecutionRecord[]) results.push(...resultsOfChild(child, sourcePrefix));
      }
    }
    const startedAt = new Date(event.startedAt);
    const report = buildReport({
      source: s3Url(config.sourceBucket, event.prefix),
      destination: s3Url(config.destBucket, destPrefix),
      startedAt,
      seconds: Math.max(0, (Date.now() - startedAt.getTime()) / 1000),
      results: [...results].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    });
    const key = runReportKey(event.executionName);
    await dest.writeSmall(key, `${JSON.stringify(report, null, 2)}\n`, { contentType: 'application/json' });
    const reportKey = `${destPrefix}${key}`;
    const { total, failed } = report.objects;
    const message =
      failed > 0
        ? `${failed} of ${total} objects failed; run report s3://${config.destBucket}/${reportKey}`
        : `${total} objects done; run report s3://${config.destBucket}/${reportKey}`;
    logger.info('run report written', { reportKey, objects: report.objects, rows: report.rows });
    if (!config.lakeDays) return { reportKey, total, failed, rows: report.rows, message };
    const days = lakeDaysOf(results);
    const daysKey = runDaysKey(event.executionName);
    await dest.writeSmall(daysKey, `${JSON.stringify(days.map((day) => ({ day })))}\n`, {
      contentType: 'application/json',
    });
    logger.info('lake days listed', { daysKey: `${destPrefix}${daysKey}`, days: days.length });
    return {
      reportKey,
      total,
      failed,
      rows: report.rows,
      message,
      days: days.length,
      daysKey: `${destPrefix}${daysKey}`,
    };
  };
}

/**
 * A child that returned holds its per-item results; one that failed (a crash or timeout of the worker) stands
 * for every source object of its batch.
 */
export function resultsOfChild(child: ChildExecutionRecord, sourcePrefix: string): ObjectResult[] {
  if (child.Status === 'SUCCEEDED' && child.Output) {
    const output = JSON.parse(child.Output);
    if (isRecord(output) && Array.isArray(output.results)) return output.results as ObjectResult[];
    throw new Error('a child execution succeeded without a results array');
  }
  const input = child.Input ? JSON.parse(child.Input) : undefined;
  const items: Array<{ Key?: string }> = isRecord(input) && Array.isArray(input.Items) ? input.Items : [];
  const keys = items.map((item) => String(item.Key)).filter(isSourceKey);
  const error =
    child.Status === 'SUCCEEDED'
      ? 'no output'
      : `${child.Error ?? child.Status ?? 'not run'}: ${causeText(child.Cause)}`;
  return keys.map((key) => failedResult(key.startsWith(sourcePrefix) ? key.slice(sourcePrefix.length) : key, error));
}

/** A Lambda error's cause is JSON with an errorMessage; other causes are plain text. */
function causeText(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause;
}

function relativeTo(prefix: string, key: string): string {
  if (!key.startsWith(prefix)) throw new Error(`${key} is outside the destination prefix "${prefix}"`);
  return key.slice(prefix.length);
}

async function readJson(storage: Storage, key: string): Promise<unknown> {
  const body = await storage.readSmall(key);
  if (body === undefined) throw new Error(`${storage.root}/${key} does not exist`);
  return JSON.parse(body.toString('utf8'));
}

export function readSummaryConfig(env: NodeJS.ProcessEnv = process.env): SummaryConfig {
  const get = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  return {
    sourceBucket: get('SOURCE_BUCKET'),
    sourcePrefix: env.SOURCE_PREFIX ?? '',
    destBucket: get('DEST_BUCKET'),
    destPrefix: env.DEST_PREFIX ?? '',
    ...(env.LAKE_DAYS === 'true' ? { lakeDays: true } : {}),
  };
}

let defaultSummary: ((event: SummaryEvent) => Promise<SummaryOutput>) | undefined;

/** The Lambda entry point of the state machine's summary step. */
export const handler = (event: SummaryEvent): Promise<SummaryOutput> => {
  defaultSummary ??= createSummary(readSummaryConfig());
  return defaultSummary(event);
};
