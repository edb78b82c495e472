import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/index.js';
import type { CompactThreadSetup, FromCompactThread, ToCompactThread } from './day-compactors.js';
import { runDayJob } from './day-compactors.js';
import { CorruptFileError } from './parquet-file.js';

/** One compaction thread: compacts the days the main thread sends, one at a time. */
const setup = workerData as CompactThreadSetup;
const port = parentPort;
if (!port) throw new Error('compact-thread must run as a worker');
const dest = await openStorage(setup.url, setup.storage);

port.on('message', async ({ id, job }: ToCompactThread) => {
  try {
    const written = await runDayJob(dest, job, (rows) =>
      port.postMessage({ type: 'rows', id, rows } satisfies FromCompactThread),
    );
    port.postMessage({ type: 'done', id, written } satisfies FromCompactThread);
  } catch (err) {
    const type = err instanceof CorruptFileError ? 'corrupt' : 'fatal';
    port.postMessage({ type, id, error: (err as Error).message } satisfies FromCompactThread);
  }
});
