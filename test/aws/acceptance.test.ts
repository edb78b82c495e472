import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { propsFromContext } from '../../infra/context.js';
import { FlowlakeStack } from '../../infra/stack.js';
import { readWorkerConfig } from '../../src/aws/config.js';
import { createSummary, readSummaryConfig } from '../../src/aws/summary.js';
import { createWorker, type Worker } from '../../src/aws/worker.js';
import { convert } from '../../src/convert/run.js';
import type { OutputKind } from '../../src/encode/types.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { filesUnder } from '../support/files.js';
import {
  type S3TestServer,
  startS3Server,
  TEST_CREDENTIALS,
  TEST_REGION,
  uniqueBucketName,
} from '../support/s3-server.js';
import { definitionFromTemplate, runBackfillLocally } from './local-backfill.js';
import { pollOnce } from './sqs-poller.js';

const FORMATS: OutputKind[] = ['csv', 'parquet', 'jsonl'];

/** Output bytes to compare: gzip outputs decompressed, others as they are. */
function content(key: string, bytes: Uint8Array): Buffer {
  return key.endsWith('.gz') ? gunzipSync(bytes) : Buffer.from(bytes);
}

describe('acceptance: a sample stash through both AWS paths equals the local CLI conversion', () => {
  let server: S3TestServer;
  let work: string;
  let localOut: string;
  let expected: string[];
  const source = uniqueBucketName('acc-src');
  const dest = uniqueBucketName('acc-dst');
  const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const workers: Worker[] = [];

  before(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    work = await mkdtemp(join(tmpdir(), 'flowlake-acceptance-'));
    const stash = join(work, 'stash');
    localOut = join(work, 'local-out');
    const sample = await writeSampleStash(stash, { objects: 4, events: 300, seed: 11 });
    const report = await convert(stash, localOut, { to: FORMATS, layout: 'mirror', concurrency: 1 });
    assert.equal(report.objects.failed, 0);
    expected = filesUnder(localOut).filter((key) => !key.startsWith('_flowlake/'));
    assert.ok(expected.length >= sample.keys.length * FORMATS.length);

    server = await startS3Server();
    process.env.AWS_ENDPOINT_URL_S3 = server.endpoint;
    process.env.AWS_REGION = TEST_REGION;
    await server.createBucket(source);
    await server.createBucket(dest);
    for (const key of sample.keys) await server.putObject(source, `stash/${key}`, await readFile(join(stash, key)));
  });

  after(async () => {
    for (const w of workers) await w.close();
    await server.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function assertSameAsLocal(destPrefix: string): Promise<void> {
    for (const key of expected) {
      const object = await server.client.send(new GetObjectCommand({ Bucket: dest, Key: `${destPrefix}${key}` }));
      const remote = content(key, await object.Body!.transformToByteArray());
      const local = content(key, await readFile(join(localOut, key)));
      assert.ok(remote.equals(local), `${destPrefix}${key} differs from the local conversion`);
    }
  }

  it('state machine path', async () => {
    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destinationBucket: dest,
        destinationPrefix: 'backfill/',
        formats: FORMATS.join(','),
        layout: 'mirror', // as the local conversion it is compared with
        maxItemsPerBatch: '3',
      },
    });
    const stack = new FlowlakeStack(app, 'Flowlake', propsFromContext(app.node));
    const template = Template.fromStack(stack).toJSON();
    const env = (fn: { node: { defaultChild?: unknown } }) =>
      template.Resources[stack.resolve((fn.node.defaultChild as { logicalId: string }).logicalId)].Properties
        .Environment.Variables;
    const worker = createWorker({ config: readWorkerConfig(env(stack.worker)), logger: silent });
    workers.push(worker);
    const summary = createSummary(readSummaryConfig(env(stack.summary)), silent);

    const outcome = await runBackfillLocally({
      definition: definitionFromTemplate(template),
      s3: server.client,
      worker: (batch) => worker(batch),
      summary: (input) => summary(input as never),
      input: { prefix: 'stash/' },
      executionName: 'acceptance',
    });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.cause);
    await assertSameAsLocal('backfill/');
  });

  it('SQS path', async () => {
    const worker = createWorker({
      config: {
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destBucket: dest,
        destPrefix: 'realtime/',
        options: { to: FORMATS, layout: 'mirror' },
      },
      logger: silent,
    });
    workers.push(worker);
    const sqs = new SQSClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: 'acceptance', Attributes: { VisibilityTimeout: '1' } }),
    );
    const objects = await server.client.send(
      new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: source, Prefix: 'stash/' }),
    );
    for (const o of objects.Contents ?? []) {
      const body = JSON.stringify({
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:CompleteMultipartUpload',
            s3: {
              bucket: { name: source },
              object: {
                key: encodeURIComponent(o.Key!).replace(/%2F/g, '/'),
                size: o.Size,
                eTag: o.ETag!.replaceAll('"', ''),
              },
            },
          },
        ],
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.QueueUrl!, MessageBody: body }));
    }
    const handler = (event: SQSEvent) => worker(event) as Promise<SQSBatchResponse>;
    for (let round = 0; round < 10; round++) {
      const response = await pollOnce(sqs, queue.QueueUrl!, 'arn:aws:sqs:us-east-1:000000000000:acceptance', handler);
      if (!response) break;
      assert.deepEqual(response.batchItemFailures, []);
    }
    sqs.destroy();
    await assertSameAsLocal('realtime/');
  });
});
