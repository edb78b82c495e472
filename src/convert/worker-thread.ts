import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/index.js';
import { LaneConverter } from './lane-converter.js';
import type { FromWorker, ToWorker, WorkerSetup } from './pool.js';
import { RunStopError } from './run-stop.js';

/**
 * One pool thread: converts the objects the main thread sends, several at once (the main thread bounds how
 * many), so one object's waits on storage are another's time to compute.
 */
/**
 * An object's progress goes to the main thread at most this often: most objects of a real stash convert in a
 * few milliseconds, and their result carries the final counts anyway, so their ticks would be messages (a
 * structured clone each) that nobody sees.
 */
const PROGRESS_EVERY_MS = 100;

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('worker-thread must run as a worker');

const source = await openStorage(setup.src, setup.storage);
const dest = await openStorage(setup.dst, setup.storage);
const lane = new LaneConverter(source, dest, setup.options, setup.laneName);

port.on('message', async (message: ToWorker) => {
  if (message.type === 'abort') {
    lane.abortAll();
    return;
  }
  const { id } = message;
  try {
    if (message.type === 'checkpoint') {
      port.postMessage({ type: 'checkpointed', id, outcome: await lane.checkpoint() } satisfies FromWorker);
      return;
    }
    let sentAt = Date.now();
    const result = await lane.convert(message.object, (tick) => {
      const now = Date.now();
      if (now - sentAt < PROGRESS_EVERY_MS) return;
      sentAt = now;
      port.postMessage({ type: 'progress', id, tick } satisfies FromWorker);
    });
    port.postMessage({ type: 'done', id, result } satisfies FromWorker);
  } catch (err) {
    const type = err instanceof RunStopError ? 'stop' : 'fatal';
    port.postMessage({ type, id, error: (err as Error).message } satisfies FromWorker);
  }
});
