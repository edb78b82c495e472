import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ObjectInfo, StorageOptions } from '../storage/types.js';
import type { ConvertOptions, ObjectResult, ProgressTick } from './types.js';

/** What each worker thread needs to open the stores and convert objects on its own. */
export interface WorkerSetup {
  readonly src: string;
  readonly dst: string;
  readonly storage: StorageOptions;
  readonly options: ConvertOptions;
}

export type ToWorker = { type: 'job'; object: ObjectInfo } | { type: 'abort' };
export type FromWorker =
  | { type: 'progress'; key: string; tick: ProgressTick }
  | { type: 'done'; result: ObjectResult }
  | { type: 'fatal'; error: string };

/** The worker module sits next to this one: `.ts` when running from source under tsx (tests), `.js` once built. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./worker-thread${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

function startWorker(setup: WorkerSetup): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: setup });
  // Node 20 does not carry `--import tsx` into workers: register tsx inside the worker first.
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
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

/**
 * Converts objects on `size` worker threads, one object per thread at a time, handing out the next object
 * as soon as a thread is free. Threads keep their own S3 clients and zlib streams, so both cores stay busy.
 */
export async function runOnWorkers(args: {
  setup: WorkerSetup;
  objects: readonly ObjectInfo[];
  size: number;
  onProgress: (key: string, tick: ProgressTick) => void;
  onResult: (result: ObjectResult) => void;
  signal?: AbortSignal;
}): Promise<void> {
  const queue = [...args.objects];
  const workers: Worker[] = [];
  const size = Math.max(1, Math.min(args.size, queue.length));
  if (size >= availableParallelism()) compileOnTheWorkersOwnThreads();

  await new Promise<void>((resolve, reject) => {
    let busy = 0;
    let failed = false;
    const abortAll = () => {
      queue.length = 0;
      for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker);
    };
    args.signal?.addEventListener('abort', abortAll, { once: true });

    const next = (worker: Worker) => {
      const object = queue.shift();
      if (object === undefined || args.signal?.aborted) {
        if (busy === 0) resolve();
        return;
      }
      busy++;
      worker.postMessage({ type: 'job', object } satisfies ToWorker);
    };

    for (let i = 0; i < size; i++) {
      const worker = startWorker(args.setup);
      workers.push(worker);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'progress') args.onProgress(message.key, message.tick);
        else if (message.type === 'done') {
          busy--;
          args.onResult(message.result);
          next(worker);
        } else if (message.type === 'fatal' && !failed) {
          failed = true;
          reject(new Error(message.error));
        }
      });
      worker.on('error', (err) => {
        if (!failed) {
          failed = true;
          reject(err);
        }
      });
      next(worker);
    }
  }).finally(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
}
