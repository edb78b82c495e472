import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import type { ObjectInfo, Storage, StorageOptions } from '../storage/types.js';
import { startModuleWorker } from '../util/module-worker.js';
import { RunStopError } from './run-stop.js';
import type { ConvertOptions, ObjectResult, ProgressTick } from './types.js';

/** What each worker thread needs to open the stores and convert objects on its own. */
export interface WorkerSetup {
  readonly src: string;
  readonly dst: string;
  readonly storage: StorageOptions;
  readonly options: ConvertOptions;
  /** Names the lane's shared files and checkpoints (hive layout): the run's id and the lane's number. */
  readonly laneName: string;
}

export type ToWorker =
  | { type: 'job'; id: number; object: ObjectInfo }
  | { type: 'checkpoint'; id: number }
  | { type: 'abort' };
export type FromWorker =
  | { type: 'progress'; id: number; tick: ProgressTick }
  | { type: 'done'; id: number; result: ObjectResult }
  | { type: 'checkpointed'; id: number; outcome: LaneCheckpoint }
  | { type: 'stop'; id: number; error: string }
  | { type: 'fatal'; id: number; error: string };

/** What a lane's checkpoint published: its staged objects with their share of the bytes, or why it could not. */
export interface LaneCheckpoint {
  readonly committed: ReadonlyArray<{ readonly source: string; readonly bytesOut: number }>;
  /** Set when the checkpoint failed: none of its objects is published (or, for a crash after, recovery does). */
  readonly failed?: string;
}

/**
 * Where objects are converted: the main thread or one worker thread. A lane converts several objects at once
 * (their I/O overlaps; the CPU work interleaves on the lane's one thread).
 */
export interface Lane {
  /**
   * Resolves with the object's result — `staged` when its rows wait for the lane's checkpoint — and rejects
   * with RunStopError when the error dooms the whole run.
   */
  convert(object: ObjectInfo, onProgress: (tick: ProgressTick) => void): Promise<ObjectResult>;
  /** Publishes the staged objects (none may be converting on this lane). */
  checkpoint(): Promise<LaneCheckpoint>;
  /** Aborts every object in flight on this lane, and the staged ones (their outputs are discarded). */
  abortAll(): void;
  close(): Promise<void>;
}

/** A lane on the calling thread: no worker start-up, for `--concurrency 1` and runs of one object. */
export async function mainThreadLane(
  source: Storage,
  dest: Storage,
  options: ConvertOptions,
  laneName: string,
): Promise<Lane> {
  // Loaded only here: with worker threads the pipeline runs in them, and the main thread starts them sooner.
  const { LaneConverter } = await import('./lane-converter.js');
  const converter = new LaneConverter(source, dest, options, laneName);
  return {
    convert: (object, onProgress) => converter.convert(object, onProgress),
    checkpoint: () => converter.checkpoint(),
    abortAll: () => converter.abortAll(),
    close: async () => {},
  };
}

/**
 * For runs of many small objects a worker's young generation is capped: with dozens of objects in flight, each
 * one's buffers survive a scavenge or two, and V8 grows the young generation to its maximum in every worker
 * (235–243 MiB for the process on the 20,000-object bench, 192–213 MiB capped, in the same time). Big objects
 * keep V8's default: the cap cost the CSV bench 6–8% (docs/decisions.md, "Scale").
 */
const SMALL_OBJECTS_YOUNG_GENERATION_MIB = 24;

function startWorker(setup: WorkerSetup, smallObjects: boolean): Worker {
  const resourceLimits = smallObjects ? { maxYoungGenerationSizeMb: SMALL_OBJECTS_YOUNG_GENERATION_MIB } : undefined;
  return startModuleWorker(import.meta.url, 'worker-thread', { workerData: setup, resourceLimits });
}

/**
 * When the workers fill every core, V8's background compiler threads have no core of their own: they take
 * time from the workers while the code they are optimising runs unoptimised meanwhile. Compiling on the
 * worker's own thread instead measured 7–9% less wall time and CPU on the Parquet bench (docs/decisions.md).
 * The flag is read when an isolate starts, so it applies to the workers started after it.
 */
function compileOnTheWorkersOwnThreads(): void {
  setFlagsFromString('--no-concurrent-recompilation');
}

interface Pending {
  readonly resolve: (result: ObjectResult) => void;
  readonly reject: (err: Error) => void;
  readonly onProgress: (tick: ProgressTick) => void;
}

/** `size` worker threads, each one lane. Threads keep their own S3 clients and zlib streams. */
export function workerLanes(
  setup: Omit<WorkerSetup, 'laneName'>,
  runName: string,
  size: number,
  smallObjects = false,
): Lane[] {
  if (size >= availableParallelism()) compileOnTheWorkersOwnThreads();
  return Array.from({ length: size }, (_, i) => workerLane({ ...setup, laneName: `${runName}-${i}` }, smallObjects));
}

function workerLane(setup: WorkerSetup, smallObjects: boolean): Lane {
  const worker = startWorker(setup, smallObjects);
  const pending = new Map<number, Pending>();
  const checkpoints = new Map<number, { resolve: (c: LaneCheckpoint) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let broken: Error | undefined;
  const failAll = (err: Error) => {
    broken ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    for (const c of checkpoints.values()) c.reject(err);
    checkpoints.clear();
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'checkpointed') {
      checkpoints.get(message.id)?.resolve(message.outcome);
      checkpoints.delete(message.id);
      return;
    }
    const p = pending.get(message.id);
    if (!p) return;
    if (message.type === 'progress') {
      p.onProgress(message.tick);
      return;
    }
    pending.delete(message.id);
    if (message.type === 'done') p.resolve(message.result);
    else if (message.type === 'stop') p.reject(new RunStopError(message.error));
    else p.reject(new Error(message.error));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`a worker thread exited (code ${code})`)));
  return {
    convert(object, onProgress) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<ObjectResult>((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        worker.postMessage({ type: 'job', id, object } satisfies ToWorker);
      });
    },
    checkpoint() {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<LaneCheckpoint>((resolve, reject) => {
        checkpoints.set(id, { resolve, reject });
        worker.postMessage({ type: 'checkpoint', id } satisfies ToWorker);
      });
    },
    abortAll: () => worker.postMessage({ type: 'abort' } satisfies ToWorker),
    close: async () => {
      await worker.terminate();
    },
  };
}
