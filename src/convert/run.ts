import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openStorage } from '../storage/index.js';
import type { ListOptions, ObjectInfo, Storage, StorageOptions } from '../storage/types.js';
import { runOnWorkers } from './pool.js';
import { buildReport } from './report.js';
import {
  type ConvertOptions,
  DEFAULT_CONVERT_OPTIONS,
  type ObjectResult,
  type ProgressTick,
  type RunReport,
} from './types.js';

export interface RunOptions extends Partial<ConvertOptions>, StorageOptions {
  /** Objects converted at once (worker threads); default: every core. 1 converts in this thread. */
  readonly concurrency?: number;
  /** Only these sub-prefixes of the source (e.g. Firehose `YYYY/MM/DD/HH/` folders). */
  readonly prefixes?: readonly string[];
  readonly onPlan?: (plan: RunPlan) => void;
  readonly onProgress?: (progress: RunProgress) => void;
  readonly onResult?: (result: ObjectResult) => void;
  /** Aborting stops handing out objects and aborts the in-flight ones (their outputs are discarded). */
  readonly signal?: AbortSignal;
}

export interface RunPlan {
  readonly objects: number;
  readonly bytes: number;
}

export interface RunProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly rows: number;
  readonly failed: number;
}

/** Lists the source, leaving out the destination's own files when the destination lies inside the source. */
export async function listSources(source: Storage, dest: Storage, options: ListOptions = {}): Promise<ObjectInfo[]> {
  const inside = dest.root.startsWith(`${source.root}/`) ? `${dest.root.slice(source.root.length + 1)}/` : undefined;
  const objects: ObjectInfo[] = [];
  for await (const info of source.list(options)) {
    if (info.key.endsWith('/')) continue; // folder markers
    if (inside !== undefined && info.key.startsWith(inside)) continue;
    if (info.key.startsWith('_flowlake/') || info.key.includes('/_flowlake/')) continue;
    objects.push(info);
  }
  return objects;
}

/**
 * Converts every object under `src` into `dst`: the library's and the CLI's whole run. Objects are spread over
 * worker threads, largest first so the last one to finish is a small one.
 */
export async function convert(src: string, dst: string, options: RunOptions = {}): Promise<RunReport> {
  const storage: StorageOptions = { endpointUrl: options.endpointUrl, region: options.region };
  const source = await openStorage(src, storage);
  const dest = await openStorage(dst, storage);
  try {
    return await runOver(source, dest, src, dst, options, storage);
  } finally {
    await Promise.allSettled([source.close?.(), dest.close?.()]);
  }
}

async function runOver(
  source: Storage,
  dest: Storage,
  src: string,
  dst: string,
  options: RunOptions,
  storage: StorageOptions,
): Promise<RunReport> {
  const startedAt = new Date();
  const started = performance.now();
  const convertOptions: ConvertOptions = {
    to: options.to ?? DEFAULT_CONVERT_OPTIONS.to,
    layout: options.layout ?? DEFAULT_CONVERT_OPTIONS.layout,
    fields: options.fields,
    logGroupFormats: options.logGroupFormats,
    region: options.region,
    force: options.force,
  };
  const objects = await listSources(source, dest, { prefixes: options.prefixes });
  objects.sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : 1));
  const bytesTotal = objects.reduce((sum, o) => sum + o.size, 0);
  const sizeOf = new Map(objects.map((o) => [o.key, o.size]));
  options.onPlan?.({ objects: objects.length, bytes: bytesTotal });

  const results: ObjectResult[] = [];
  const inFlight = new Map<string, ProgressTick>();
  let doneBytes = 0;
  let doneRows = 0;
  const progress = () => {
    let bytes = doneBytes;
    let rows = doneRows;
    for (const tick of inFlight.values()) {
      bytes += tick.bytesIn;
      rows += tick.rows;
    }
    options.onProgress?.({
      objectsDone: results.length,
      objectsTotal: objects.length,
      bytesDone: Math.min(bytes, bytesTotal),
      bytesTotal,
      rows,
      failed: results.filter((r) => r.status === 'failed').length,
    });
  };
  const onTick = (key: string, tick: ProgressTick) => {
    inFlight.set(key, tick);
    progress();
  };
  const onResult = (result: ObjectResult) => {
    inFlight.delete(result.key);
    results.push(result);
    doneBytes += sizeOf.get(result.key) ?? 0;
    doneRows += result.rows;
    options.onResult?.(result);
    progress();
  };

  const concurrency = options.concurrency ?? availableParallelism();
  if (concurrency <= 1 || objects.length <= 1) {
    // Loaded only here: with worker threads the pipeline runs in them, and the main thread starts them sooner
    // without loading it.
    const { convertObject } = await import('./object.js');
    for (const object of objects) {
      if (options.signal?.aborted) break;
      onResult(
        await convertObject({
          source,
          dest,
          object,
          options: convertOptions,
          signal: options.signal,
          onProgress: (tick) => onTick(object.key, tick),
        }),
      );
    }
  } else {
    await runOnWorkers({
      setup: { src, dst, storage, options: convertOptions },
      objects,
      size: concurrency,
      onProgress: onTick,
      onResult,
      signal: options.signal,
    });
  }

  results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return buildReport({
    source: source.root,
    destination: dest.root,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    results,
  });
}
