import type { Worker } from 'node:worker_threads';
import type { CompressionName } from '../encode/parquet/codecs.js';
import { parseFormat } from '../formats/format.js';
import type { Storage, StorageOptions } from '../storage/types.js';
import { startModuleWorker } from '../util/module-worker.js';
import { compactDay, type DayGroup } from './compact-day.js';
import type { WrittenFile } from './compacted-file.js';
import type { LakeDay } from './lake-keys.js';
import { CorruptFileError } from './parquet-file.js';

/** One day's compaction as plain data: what a worker thread receives (formats travel as their text). */
export interface DayJob {
  readonly day: LakeDay;
  readonly groups: ReadonlyArray<Omit<DayGroup, 'format'> & { readonly formatText: string }>;
  readonly generation: string;
  readonly targetBytes: number;
  readonly compression: CompressionName;
  readonly rowGroupRows?: number;
}

/** Compacts days one at a time, on the calling thread or on a worker thread of its own. */
export interface DayCompactor {
  compact(job: DayJob, onRows: (rows: number) => void): Promise<WrittenFile[]>;
  close(): Promise<void>;
}

export function dayJob(day: LakeDay, groups: readonly DayGroup[], options: Omit<DayJob, 'day' | 'groups'>): DayJob {
  return { day, groups: groups.map(({ format, ...rest }) => ({ ...rest, formatText: format.text })), ...options };
}

export function runDayJob(dest: Storage, job: DayJob, onRows: (rows: number) => void): Promise<WrittenFile[]> {
  const groups = job.groups.map(({ formatText, ...rest }) => ({ ...rest, format: parseFormat(formatText) }));
  return compactDay(dest, job.day, groups, { ...job, onRows });
}

export function inThreadCompactor(dest: Storage): DayCompactor {
  return { compact: (job, onRows) => runDayJob(dest, job, onRows), close: async () => {} };
}

/**
 * A compaction thread's young generation, capped: an hour's columns survive a scavenge or two, and V8 would grow
 * each thread's young generation to its maximum. 48 MiB: nearly the speed of 64, well within the 512 MiB budget
 * (docs/decisions.md, "The lake").
 */
const YOUNG_GENERATION_MIB = 48;

/** What a compaction thread needs to open the lake on its own. */
export interface CompactThreadSetup {
  readonly url: string;
  readonly storage: StorageOptions;
}

export type ToCompactThread = { readonly type: 'day'; readonly id: number; readonly job: DayJob };
export type FromCompactThread =
  | { readonly type: 'rows'; readonly id: number; readonly rows: number }
  | { readonly type: 'done'; readonly id: number; readonly written: WrittenFile[] }
  | { readonly type: 'corrupt' | 'fatal'; readonly id: number; readonly error: string };

/**
 * A compactor on a worker thread: days are independent, so a lake's days compact on every core at once (decoding,
 * merging and encoding are CPU-bound). Each thread holds one hour of one day at a time, as on the main thread.
 */
export function threadCompactor(setup: CompactThreadSetup): DayCompactor {
  const worker: Worker = startModuleWorker(import.meta.url, 'compact-thread', {
    workerData: setup,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MIB },
  });
  const pending = new Map<
    number,
    { resolve: (w: WrittenFile[]) => void; reject: (e: Error) => void; onRows: (n: number) => void }
  >();
  let nextId = 0;
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on('message', (message: FromCompactThread) => {
    const p = pending.get(message.id);
    if (!p) return;
    if (message.type === 'rows') {
      p.onRows(message.rows);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'done') p.resolve(message.written);
    else p.reject(message.type === 'corrupt' ? new CorruptFileError(message.error) : new Error(message.error));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`a compaction thread stopped (exit code ${code})`)));
  return {
    compact(job, onRows) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onRows });
        worker.postMessage({ type: 'day', id, job } satisfies ToCompactThread);
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
