import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { objectsAtOnce } from '../../src/aws/concurrency.js';
import { createWorker, type MapBatchResult } from '../../src/aws/worker.js';
import { concurrencyLimit } from '../../src/util/limit.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { dataEnvelope, firehoseObject, LINE_OK } from '../support/flow-inputs.js';
import { type S3TestServer, startS3Server, TEST_REGION, uniqueBucketName } from '../support/s3-server.js';

describe('worker: a Distributed Map batch converts its items concurrently', () => {
  let server: S3TestServer;
  let proxy: FaultProxy;
  const source = uniqueBucketName('batch-src');
  const dest = uniqueBucketName('batch-dst');
  const body = firehoseObject([dataEnvelope([{ timestamp: 1580515180000, message: LINE_OK }])]);
  const etag = `"${createHash('md5').update(body).digest('hex')}"`;
  const keys = Array.from({ length: 12 }, (_, i) => `stash/2020/02/01/00/obj-${String(i).padStart(2, '0')}`);

  before(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    server = await startS3Server();
    await server.createBucket(source);
    await server.createBucket(dest);
    for (const key of keys) await server.putObject(source, key, body);
    // Requests wait a little at the proxy, as on a far-away endpoint, so reads that overlap are seen overlapping.
    proxy = await startFaultProxy(server.endpoint, { seed: 1, delayMs: 20 });
    process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
    process.env.AWS_REGION = TEST_REGION;
  });

  after(async () => {
    delete process.env.AWS_ENDPOINT_URL_S3;
    await proxy?.stop();
    await server?.stop();
  });

  it('reads several items at once, never more than its slots, and returns results in item order', async () => {
    const worker = createWorker({
      config: {
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destBucket: dest,
        destPrefix: 'out/',
        options: { to: ['csv'], layout: 'mirror' },
      },
      objectsAtOnce: 4,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    try {
      const response = (await worker({
        Items: keys.map((Key) => ({ Key, Size: body.length, Etag: etag })),
        BatchInput: {},
      })) as MapBatchResult;
      assert.deepEqual(
        response.results.map((r) => [r.key, r.status, r.error]),
        keys.map((k) => [k.slice('stash/'.length), 'converted', undefined]),
      );
      assert.equal(proxy.counts.objectGets >= keys.length, true);
      assert.ok(proxy.counts.mostObjectGetsOpen > 1, `object GETs at once: ${proxy.counts.mostObjectGetsOpen}`);
      assert.ok(proxy.counts.mostObjectGetsOpen <= 4, `object GETs at once: ${proxy.counts.mostObjectGetsOpen}`);
    } finally {
      await worker.close();
    }
  });

  it('takes one object per 128 MiB of the function memory, 1 to 16', () => {
    assert.equal(objectsAtOnce({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' }), 16);
    assert.equal(objectsAtOnce({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' }), 4);
    assert.equal(objectsAtOnce({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128' }), 1);
    assert.equal(objectsAtOnce({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '10240' }), 16);
    assert.equal(objectsAtOnce({}), 4);
  });

  it('runs tasks beyond the limit only as earlier ones finish, in order', async () => {
    const limit = concurrencyLimit(2);
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      limit(async () => {
        started.push(i);
        await new Promise<void>((resolve) => finishers.push(resolve));
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    finishers[0]();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    for (const finish of finishers.slice(1)) finish();
    await new Promise((resolve) => setImmediate(resolve));
    finishers.at(-1)?.();
    assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3]);
  });
});
