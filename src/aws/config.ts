import type { ConvertOptions, LayoutName } from '../convert/types.js';
import type { OutputKind } from '../encode/types.js';
import { isRecord } from './events.js';

/** Where the worker reads and writes, and what it converts into. Comes from the Lambda's environment. */
export interface WorkerConfig {
  readonly sourceBucket: string;
  /** Key prefix the worker may read; '' for the whole bucket. Keys are converted relative to it. */
  readonly sourcePrefix: string;
  readonly destBucket: string;
  readonly destPrefix: string;
  readonly options: ConvertOptions;
}

const OUTPUT_KINDS: readonly OutputKind[] = ['csv', 'parquet', 'jsonl'];
const LAYOUTS: readonly LayoutName[] = ['mirror', 'hive'];

/**
 * Reads SOURCE_BUCKET, SOURCE_PREFIX, DEST_BUCKET, DEST_PREFIX, FORMATS (csv,parquet,jsonl), LAYOUT (mirror|hive),
 * FIELDS (an AWS format string), LOG_GROUP_FORMATS (JSON object name → format), FLOW_LOG_REGION (hive layout
 * region when rows carry none; defaults to AWS_REGION) and FORCE (true to convert again).
 */
export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const sourceBucket = required(env, 'SOURCE_BUCKET');
  const destBucket = required(env, 'DEST_BUCKET');
  return {
    sourceBucket,
    sourcePrefix: env.SOURCE_PREFIX ?? '',
    destBucket,
    destPrefix: env.DEST_PREFIX ?? '',
    options: parseConvertOptions({
      formats: env.FORMATS,
      layout: env.LAYOUT,
      fields: env.FIELDS,
      logGroupFormats: env.LOG_GROUP_FORMATS ? JSON.parse(env.LOG_GROUP_FORMATS) : undefined,
      region: env.FLOW_LOG_REGION || env.AWS_REGION,
      force: env.FORCE === 'true',
    }),
  };
}

/** The run settings as they travel in the Distributed Map's BatchInput (plain JSON). */
export interface RunSettings {
  readonly formats?: string | readonly string[];
  readonly layout?: string;
  readonly fields?: string;
  readonly logGroupFormats?: Record<string, string>;
  readonly region?: string;
  readonly force?: boolean;
}

export function parseConvertOptions(settings: RunSettings): ConvertOptions {
  const formats =
    typeof settings.formats === 'string' ? settings.formats.split(',') : [...(settings.formats ?? ['csv'])];
  const to = formats.map((f) => f.trim()).filter((f) => f !== '');
  for (const kind of to) {
    if (!OUTPUT_KINDS.includes(kind as OutputKind)) {
      throw new Error(`unknown output format "${kind}" (expected ${OUTPUT_KINDS.join(', ')})`);
    }
  }
  const layout = settings.layout || 'mirror';
  if (!LAYOUTS.includes(layout as LayoutName)) throw new Error(`unknown layout "${layout}" (expected mirror or hive)`);
  if (settings.logGroupFormats !== undefined && !isRecord(settings.logGroupFormats)) {
    throw new Error('log group formats must be a JSON object of log group name → format');
  }
  return {
    to: (to.length > 0 ? to : ['csv']) as OutputKind[],
    layout: layout as LayoutName,
    ...(settings.fields ? { fields: settings.fields } : {}),
    ...(settings.logGroupFormats ? { logGroupFormats: settings.logGroupFormats } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.force ? { force: true } : {}),
  };
}

/** Settings in a map batch override the environment's: the state machine definition is the run's record. */
export function withBatchInput(config: WorkerConfig, batchInput: Readonly<Record<string, unknown>> | undefined) {
  if (!batchInput || !isRecord(batchInput.settings)) return config;
  const s = batchInput.settings as RunSettings;
  const merged: RunSettings = {
    formats: s.formats ?? config.options.to,
    layout: s.layout ?? config.options.layout,
    fields: s.fields ?? config.options.fields,
    logGroupFormats: s.logGroupFormats ?? (config.options.logGroupFormats as Record<string, string> | undefined),
    region: s.region ?? config.options.region,
    force: s.force ?? config.options.force,
  };
  return { ...config, options: parseConvertOptions(merged) };
}

/** '' stays '' (whole bucket); anything else ends with exactly one '/'. */
export function asFolderPrefix(prefix: string): string {
  if (prefix === '') return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** `s3://bucket/prefix` for openStorage. */
export function s3Url(bucket: string, prefix: string): string {
  return `s3://${bucket}/${prefix}`;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
