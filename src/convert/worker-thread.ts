import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../storage/index.js';
import { convertObject } from './object.js';
import type { FromWorker, ToWorker, WorkerSetup } from './pool.js';

/** One pool thread: converts the objects the main thread sends, one at a time. */
const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('worker-thread must run as a worker');

const source = await openStorage(setup.src, setup.storage);
const dest = await openStorage(setup.dst, setup.storage);
let current: AbortController | undefined;

port.on('message', async (message: ToWorker) => {
  if (message.type === 'abort') {
    current?.abort();
    return;
  }
  const controller = new AbortController();
  current = controller;
  try {
    const result = await convertObject({
      source,
      dest,
      object: message.object,
      options: setup.options,
      signal: controller.signal,
      onProgress: (tick) => port.postMessage({ type: 'progress', key: message.object.key, tick } satisfies FromWorker),
    });
    port.postMessage({ type: 'done', result } satisfies FromWorker);
  } catch (err) {
    port.postMessage({ type: 'fatal', error: (err as Error).message } satisfies FromWorker);
  } finally {
    current = undefined;
  }
});
