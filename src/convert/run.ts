import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { recoverCheckpoints } from '../lake/checkpoint.js';
import { acquireLock } from '../lake/lock.js';
import { runNameAt } from '../lake/names.js';
import { checkNoForcedLake, isLakeLayout } from '../lake/options.js';
import { checkOcsfOptions } from '../ocsf/options.js';
import { openStorage } from '../storage/index.js';
import type { ListOptions, ObjectInfo, Storage, StorageOptions } from '../storage/types.js';
import { type Lane, mainThreadLane, workerLanes } from './pool.js';
import { DEFAULT_KEPT_RESULTS, ReportAccumulator } from './report.js';
import { ReportFile } from './report-file.js';
import { RunStopError, RunStoppedError } from './run-stop.js';
import { schedule } from './schedule.js';
import {
  type ConvertOptions,
  DEFAULT_CONVERT_OPTIONS,
  type ObjectResult,
  type ProgressTick,
  type RunReport,
} from './types.js';

/** A run whose first listed object is smaller than this is taken for a run of many small objects. */
const SMALL_OBJECT_BYTES = 1024 * 1024;

/** Objects in flight per CPU worker by default: enough to hide ~50 ms storage round trips (docs/decisions.md). */
export const IN_FLIGHT_PER_WORKER = 32;

export interface RunOptions extends Partial<ConvertOptions>, StorageOptions {
  /** CPU worker threads; default: every core. 1 converts in this thread. */
  readonly concurrency?: number;
  /**
   * Objects converting at once over all workers (their storage round trips overlap); default 32 per worker.
   * Big objects are taken on fewer at a time (see schedule.ts), so this bounds small-object runs.
   */
  readonly inFlight?: number;
  /** Only these sub-prefixes of the source (e.g. Firehose `YYYY/MM/DD/HH/` folders). */
  readonly prefixes?: readonly string[];
  /** Called once the listing has ended, with what it found (conversion has started long before). */
  readonly onPlan?: (plan: RunPlan) => void;
  /** Called as objects are listed and converted; costs O(1) per call. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Every result as it arrives, in completion order (the returned report keeps only `keepResults`). */
  readonly onResult?: (result: ObjectResult) => void;
  /** Writes the run report JSON here, streaming every result to it as the run goes. */
  readonly reportFile?: string;
  /** Results (and failures) kept in the returned report; default 10,000. The totals always cover every object. */
  readonly keepResults?: number;
  /** Aborting stops handing out objects and aborts the in-flight ones (their outputs are discarded). */
  readonly signal?: AbortSignal;
  /**
   * Hive layout: a lane publishes its staged rows once they reach this many (default CHECKPOINT_ROWS, or
   * FLOWLAKE_CHECKPOINT_ROWS): smaller checkpoints make rows visible sooner and more, smaller files.
   */
  readonly checkpointRows?: number;
}

export interface RunPlan {
  readonly objects: number;
  readonly bytes: number;
}

export interface RunProgress {
  readonly objectsDone: number;
  /** Objects listed so far: the total once `listing` is false. */
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly rows: number;
  readonly failed: number;
  /** True while the source is still being listed (totals still growing). */
  readonly listing: boolean;
}

/** Streams the source's objects, leaving out the destination's own files when it lies inside the source. */
export async function* streamSources(
  source: Storage,
  dest: Storage,
  options: ListOptions = {},
): AsyncGenerator<ObjectInfo> {
  const inside = dest.root.startsWith(`${source.root}/`) ? `${dest.root.slice(source.root.length + 1)}/` : undefined;
  for await (const info of source.list(options)) {
    if (info.key.endsWith('/')) continue; // folder markers
    if (inside !== undefined && info.key.startsWith(inside)) continue;
    if (info.key.startsWith('_flowlake/') || info.key.includes('/_flowlake/')) continue;
    yield info;
  }
}

/** Lists the source whole (see streamSources for the streaming form a run uses). */
export async function listSources(source: Storage, dest: Storage, options: ListOptions = {}): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const info of streamSources(source, dest, options)) objects.push(info);
  return objects;
}

/**
 * Converts every object under `src` into `dst`: the library's and the CLI's whole run. Conversion starts with
 * the listing's first page; objects are spread over worker threads, many in flight per thread.
 * Rejects with RunStoppedError when an error dooms every object (e.g. the destination refuses writes).
 */
export async function convert(src: string, dst: string, options: RunOptions = {}): Promise<RunReport> {
  const storage: StorageOptions = { endpointUrl: options.endpointUrl, region: options.region };
  const source = await openStorage(src, storage);
  const dest = await openStorage(dst, storage);
  try {
    return await runOver(source, dest, options, async (convertOptions, first, concurrency, runName) =>
      concurrency <= 1
        ? [await mainThreadLane(source, dest, convertOptions, `${runName}-0`)]
        : workerLanes(
            { src, dst, storage, options: convertOptions },
            runName,
            concurrency,
            first.size < SMALL_OBJECT_BYTES,
          ),
    );
  } finally {
    await Promise.allSettled([source.close?.(), dest.close?.()]);
  }
}

/**
 * The same run between two Storage objects of the caller's (in memory, another store…). Objects convert on
 * this thread — worker threads could not share the caller's objects — with `inFlight` of them at once.
 */
export async function convertBetween(source: Storage, dest: Storage, options: RunOptions = {}): Promise<RunReport> {
  return runOver(
    source,
    dest,
    { ...options, concurrency: 1 },
    async (convertOptions, _first, _concurrency, runName) => [
      await mainThreadLane(source, dest, convertOptions, `${runName}-0`),
    ],
  );
}

async function runOver(
  source: Storage,
  dest: Storage,
  options: RunOptions,
  startLanes: (options: ConvertOptions, first: ObjectInfo, concurrency: number, runName: string) => Promise<Lane[]>,
): Promise<RunReport> {
  const startedAt = new Date();
  const runName = runNameAt(startedAt);
  const to = options.to ?? DEFAULT_CONVERT_OPTIONS.to;
  const convertOptions: ConvertOptions = {
    to,
    // OCSF has a layout of its own (Security Lake's): the default when it is asked for.
    layout: options.layout ?? (to.includes('ocsf') ? 'ocsf' : DEFAULT_CONVERT_OPTIONS.layout),
    fields: options.fields,
    logGroupFormats: options.logGroupFormats,
    region: options.region,
    force: options.force,
    compression: options.compression,
    flowRegion: options.flowRegion,
    sourceVersion: options.sourceVersion,
  };
  checkOcsfOptions(convertOptions);
  checkNoForcedLake(convertOptions, '--force');
  // The lake (hive layout): one run at a time per destination (two would convert the same objects twice), and
  // the checkpoints of a run that crashed are finished or undone before anything else is written.
  const lock = isLakeLayout(convertOptions.layout) ? await acquireLock(dest, 'convert', 'flowlake convert') : undefined;
  try {
    if (lock) await recoverCheckpoints(dest);
    return await runLocked(source, dest, options, convertOptions, startedAt, runName, startLanes);
  } finally {
    await lock?.release();
  }
}

async function runLocked(
  source: Storage,
  dest: Storage,
  options: RunOptions,
  convertOptions: ConvertOptions,
  startedAt: Date,
  runName: string,
  startLanes: (options: ConvertOptions, first: ObjectInfo, concurrency: number, runName: string) => Promise<Lane[]>,
): Promise<RunReport> {
  const started = performance.now();
  const sum = new ReportAccumulator(options.keepResults ?? DEFAULT_KEPT_RESULTS);
  const reportFile = options.reportFile ? new ReportFile(options.reportFile) : undefined;

  // Running totals, so that each progress update costs O(1) however many objects the run has.
  let listed = 0;
  let listedBytes = 0;
  let listing = true;
  let doneBytes = 0;
  let doneRows = 0;
  let flightBytes = 0;
  let flightRows = 0;
  const ticks = new Map<string, ProgressTick>();
  const progress = () =>
    options.onProgress?.({
      objectsDone: sum.done,
      objectsTotal: listed,
      bytesDone: Math.min(doneBytes + flightBytes, listedBytes),
      bytesTotal: listedBytes,
      rows: doneRows + flightRows,
      failed: sum.failed,
      listing,
    });
  let stopping = false;

  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const inFlight = Math.max(1, options.inFlight ?? IN_FLIGHT_PER_WORKER * concurrency);
  const lanes: Lane[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  let stopError: unknown;
  try {
    await schedule({
      objects: streamSources(source, dest, { prefixes: options.prefixes }),
      startLanes: async (first) => {
        lanes.push(...(await startLanes(convertOptions, first, concurrency, runName)));
        return lanes;
      },
      inFlight,
      keepListingOrder: isLakeLayout(convertOptions.layout),
      checkpointRows: options.checkpointRows ?? checkpointRowsFromEnv(),
      signal: stop.signal,
      onStop: () => {
        stopping = true;
      },
      onListed: (object) => {
        listed++;
        listedBytes += object.size;
      },
      onListingDone: () => {
        listing = false;
        options.onPlan?.({ objects: listed, bytes: listedBytes });
        progress();
      },
      onProgress: (object, tick) => {
        const before = ticks.get(object.key);
        flightBytes += tick.bytesIn - (before?.bytesIn ?? 0);
        flightRows += tick.rows - (before?.rows ?? 0);
        ticks.set(object.key, tick);
        progress();
      },
      onResult: (result, object) => {
        const before = ticks.get(object.key);
        if (before) {
          flightBytes -= before.bytesIn;
          flightRows -= before.rows;
          ticks.delete(object.key);
        }
        sum.add(result);
        reportFile?.add(result);
        doneBytes += object.size;
        doneRows += result.rows;
        // Objects aborted because the run is stopping are counted, not announced one by one.
        if (!stopping) options.onResult?.(result);
        progress();
      },
    });
  } catch (err) {
    stopError = err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(lanes.map((l) => l.close()));
  }

  const report = sum.report({
    source: source.root,
    destination: dest.root,
    startedAt,
    seconds: (performance.now() - started) / 1000,
  });
  await reportFile?.finish(report);
  if (stopError instanceof RunStopError) throw new RunStoppedError(stopError.message, report);
  if (stopError !== undefined) throw stopError;
  return report;
}

/** FLOWLAKE_CHECKPOINT_ROWS, when set to a whole number of at least 1 (anything else is an error, not ignored). */
function checkpointRowsFromEnv(): number | undefined {
  const value = process.env.FLOWLAKE_CHECKPOINT_ROWS;
  if (value === undefined || value === '') return undefined;
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(`FLOWLAKE_CHECKPOINT_ROWS must be a whole number of at least 1, not "${value}"`);
  }
  return rows;
}
