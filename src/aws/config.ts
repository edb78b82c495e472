import type { ConvertOptions, LayoutName } from '../convert/types.js';
import type { OutputKind } from '../encode/types.js';
import { checkNoForcedLake } from '../lake/options.js';
import { checkOcsfOptions } from '../ocsf/options.js';
import { splitBookkeeping } from '../storage/bookkeeping.js';
import { parseS3Url, type Storage } from '../storage/index.js';
import { isRecord } from './events.js';

/** Where the worker reads and writes, and what it converts into. Comes from the Lambda's environment. */
export interface WorkerConfig {
  readonly sourceBucket: string;
  /** Key prefix the worker may read; '' for the whole bucket. Keys are converted relative to it. */
  readonly sourcePrefix: string;
  /** Where `_flowlake/` bookkeeping lives (markers, rejects, checkpoints), and the outputs unless outputUrl says. */
  readonly destBucket: string;
  readonly destPrefix: string;
  /**
   * `s3://bucket/prefix/` for the data files when they go elsewhere than the bookkeeping: a Security Lake custom
   * source's location, which its Glue crawler reads whole and where flowlake keeps nothing of its own.
   */
  readonly outputUrl?: string;
  readonly options: ConvertOptions;
}

const OUTPUT_KINDS: readonly OutputKind[] = ['csv', 'parquet', 'jsonl', 'ocsf'];
const LAYOUTS: readonly LayoutName[] = ['mirror', 'hive', 'ocsf'];

/**
 * Reads SOURCE_BUCKET, SOURCE_PREFIX, DEST_BUCKET, DEST_PREFIX, OUTPUT_URL (data files elsewhere than DEST, see
 * WorkerConfig), FORMATS (csv,parquet,jsonl, or ocsf alone), LAYOUT (mirror|hive|ocsf), FIELDS (an AWS format
 * string), LOG_GROUP_FORMATS (JSON object name → format), FLOW_LOG_REGION (the region of rows that carry none;
 * defaults to AWS_REGION), FLOW_REGION (OCSF: the same, when it differs from the hive layout's), SOURCE_VERSION
 * (OCSF: the custom source's version folder) and FORCE (true to convert again).
 */
export function readWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const sourceBucket = required(env, 'SOURCE_BUCKET');
  const destBucket = required(env, 'DEST_BUCKET');
  return {
    sourceBucket,
    sourcePrefix: env.SOURCE_PREFIX ?? '',
    destBucket,
    destPrefix: env.DEST_PREFIX ?? '',
    ...(env.OUTPUT_URL ? { outputUrl: s3FolderUrl(env.OUTPUT_URL, 'OUTPUT_URL') } : {}),
    options: parseConvertOptions({
      formats: env.FORMATS,
      layout: env.LAYOUT,
      fields: env.FIELDS,
      logGroupFormats: env.LOG_GROUP_FORMATS ? JSON.parse(env.LOG_GROUP_FORMATS) : undefined,
      region: env.FLOW_LOG_REGION || env.AWS_REGION,
      flowRegion: env.FLOW_REGION || undefined,
      sourceVersion: env.SOURCE_VERSION || undefined,
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
  /** The region of rows that carry none: the hive layout's partition, and OCSF's unless flowRegion is given. */
  readonly region?: string;
  /** OCSF: the region of rows that carry none (`--flow-region`). */
  readonly flowRegion?: string;
  /** OCSF: the custom source's version, a folder between DEST and the partitions (`--source-version`). */
  readonly sourceVersion?: string;
  readonly force?: boolean;
}

/**
 * The conversion options of a run from its settings. OCSF follows the CLI's rules (checkOcsfOptions): alone, in
 * its own layout (the default for it), formats with what Security Lake partitions by.
 */
export function parseConvertOptions(settings: RunSettings): ConvertOptions {
  const formats =
    typeof settings.formats === 'string' ? settings.formats.split(',') : [...(settings.formats ?? ['csv'])];
  const listed = formats.map((f) => f.trim()).filter((f) => f !== '');
  for (const kind of listed) {
    if (!OUTPUT_KINDS.includes(kind as OutputKind)) {
      throw new Error(`unknown output format "${kind}" (expected ${OUTPUT_KINDS.join(', ')})`);
    }
  }
  const to = (listed.length > 0 ? listed : ['csv']) as OutputKind[];
  const ocsf = to.includes('ocsf');
  const layout = settings.layout || (ocsf ? 'ocsf' : 'mirror');
  if (!LAYOUTS.includes(layout as LayoutName)) {
    throw new Error(`unknown layout "${layout}" (expected ${LAYOUTS.join(', ')})`);
  }
  if (settings.logGroupFormats !== undefined && !isRecord(settings.logGroupFormats)) {
    throw new Error('log group formats must be a JSON object of log group name → format');
  }
  const flowRegion = settings.flowRegion || settings.region;
  const options: ConvertOptions = {
    to,
    layout: layout as LayoutName,
    ...(settings.fields ? { fields: settings.fields } : {}),
    ...(settings.logGroupFormats ? { logGroupFormats: settings.logGroupFormats } : {}),
    ...(settings.region ? { region: settings.region } : {}),
    ...(ocsf && flowRegion ? { flowRegion } : {}),
    ...(ocsf && settings.sourceVersion ? { sourceVersion: settings.sourceVersion } : {}),
    ...(settings.force ? { force: true } : {}),
  };
  checkOcsfOptions(options);
  checkNoForcedLake(options, 'FORCE');
  return options;
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
    flowRegion: s.flowRegion ?? config.options.flowRegion,
    sourceVersion: s.sourceVersion ?? config.options.sourceVersion,
    force: s.force ?? config.options.force,
  };
  return { ...config, options: parseConvertOptions(merged) };
}

/**
 * The worker's destination: the bookkeeping prefix, or — with outputUrl — a storage whose data files go to
 * outputUrl and whose `_flowlake/` bookkeeping stays under the destination prefix. `open` is the caller's
 * (cached) openStorage.
 */
export async function openDestination(config: WorkerConfig, open: (url: string) => Promise<Storage>): Promise<Storage> {
  const bookkeeping = await open(s3Url(config.destBucket, asFolderPrefix(config.destPrefix)));
  if (!config.outputUrl) return bookkeeping;
  return splitBookkeeping(await open(config.outputUrl), bookkeeping);
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

/** An `s3://bucket/prefix` URL as a folder (`…/`), or an error naming the variable it came from. */
function s3FolderUrl(url: string, name: string): string {
  const location = parseS3Url(url);
  if (!location) throw new Error(`environment variable ${name} must be an s3://bucket/prefix URL, got "${url}"`);
  return s3Url(location.bucket, asFolderPrefix(location.prefix));
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
