import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../../infra/context.js';
import { FlowlakeStack } from '../../infra/stack.js';
import { readWorkerConfig } from '../../src/aws/config.js';
import { createSummary, readSummaryConfig } from '../../src/aws/summary.js';
import { createWorker, type Worker } from '../../src/aws/worker.js';
import type { RunReport } from '../../src/convert/types.js';
import { dataEnvelope, firehoseObject, gz, LINE_OK } from '../support/flow-inputs.js';
import { type S3TestServer, startS3ServerForFunctions, uniqueBucketName } from '../support/s3-server.js';
import { definitionFromTemplate, runBackfillLocally } from './local-backfill.js';

// biome-ignore lint/suspicious/noExplicitAny: state machine definitions and reports are free-form JSON here
type Json = Record<string, any>;

describe('backfill state machine, run by aws-local-stepfunctions against the S3 emulator', () => {
  let server: S3TestServer;
  let worker: Worker;
  let summary: ReturnType<typeof createSummary>;
  let definition: Json;
  const source = uniqueBucketName('bf-src');
  const dest = uniqueBucketName('bf-dst');
  const hour = 'stash/2020/02/01/00/';
  const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

  before(async () => {
    server = await startS3ServerForFunctions(source, dest);
    for (let i = 0; i < 3; i++) {
      const body = firehoseObject([dataEnvelope([{ timestamp: 1580515180000 + i, message: LINE_OK }])]);
      await server.putObject(source, `${hour}firehose-${i}`, body);
    }
    await server.putObject(source, hour, ''); // a folder marker, listed by the ItemReader too
    await server.putObject(source, 'elsewhere/not-listed', 'x');

    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [], // the definition does not depend on the bundles
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destinationBucket: dest,
        destinationPrefix: 'out/',
        formats: 'csv', // CSV in the mirror layout: no lake, no compaction map (see state-machine-lake.test.ts)
        maxItemsPerBatch: '2',
      },
    });
    const stack = new FlowlakeStack(app, 'Flowlake', propsFromContext(app.node));
    const template = Template.fromStack(stack).toJSON();
    definition = definitionFromTemplate(template);
    // The handlers get the environment the stack gives each function.
    const env = (logicalId: string) => template.Resources[logicalId].Properties.Environment.Variables;
    worker = createWorker({ config: readWorkerConfig(env(stack.resolve(cfnId(stack.worker)))), logger: silent });
    summary = createSummary(readSummaryConfig(env(stack.resolve(cfnId(stack.summary)))), silent);
  });

  after(async () => {
    await worker.close();
    await server.stop();
  });

  async function readJson(key: string): Promise<Json> {
    const object = await server.client.send(new GetObjectCommand({ Bucket: dest, Key: key }));
    return JSON.parse(await object.Body!.transformToString());
  }

  it('converts every object under the execution prefix and writes one run report', async () => {
    const outcome = await runBackfillLocally({
      definition,
      s3: server.client,
      worker: (batch) => worker(batch),
      summary: (input) => summary(input as never),
      input: { prefix: 'stash/2020/' },
      executionName: 'run-all-good',
    });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.cause);
    assert.equal(outcome.batches.length, 2, 'four listed items in batches of two');
    assert.deepEqual(outcome.batches[0].BatchInput, { settings: { formats: ['csv'], layout: 'mirror' } });
    assert.equal(outcome.output?.failed, 0);
    assert.equal(outcome.output?.reportKey, 'out/_flowlake/runs/run-all-good.json');

    const report = (await readJson('out/_flowlake/runs/run-all-good.json')) as RunReport;
    assert.deepEqual(report.objects, { total: 3, converted: 3, skipped: 0, failed: 0 });
    assert.equal(report.rows, 3);
    assert.equal(report.source, `s3://${source}/stash/2020/`);
    assert.equal(report.destination, `s3://${dest}/out/`);
    assert.deepEqual(
      report.results.map((r) => r.outputs),
      [0, 1, 2].map((i) => [`2020/02/01/00/firehose-${i}.csv.gz`]),
    );
    for (let i = 0; i < 3; i++) {
      const csv = await server.client.send(
        new GetObjectCommand({ Bucket: dest, Key: `out/2020/02/01/00/firehose-${i}.csv.gz` }),
      );
      assert.ok((await csv.Body!.transformToByteArray()).length > 0);
    }
  });

  it('fails the execution when an object fails, after skipping the done ones, and reports which', async () => {
    await server.putObject(source, 'stash/2020/02/01/01/broken', gz('{"messageType":').subarray(0, 20));
    const outcome = await runBackfillLocally({
      definition,
      s3: server.client,
      worker: (batch) => worker(batch),
      summary: (input) => summary(input as never),
      input: { prefix: 'stash/2020/02/01/' },
      executionName: 'run-with-broken',
    });
    assert.equal(outcome.status, 'FAILED');
    assert.equal(outcome.error, 'FlowlakeObjectsFailed');
    assert.equal(
      outcome.cause,
      `1 of 4 objects failed; run report s3://${dest}/out/_flowlake/runs/run-with-broken.json`,
    );
    const report = (await readJson('out/_flowlake/runs/run-with-broken.json')) as RunReport;
    assert.deepEqual(report.objects, { total: 4, converted: 0, skipped: 3, failed: 1 });
    assert.deepEqual(
      report.failures.map((f) => f.key),
      ['2020/02/01/01/broken'],
    );
  });
});

function cfnId(fn: { node: { defaultChild?: unknown } }): string {
  return (fn.node.defaultChild as { logicalId: string }).logicalId;
}
