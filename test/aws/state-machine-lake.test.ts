/**
 * The default stack's backfill (Parquet in the hive layout) ends compacted: its state machine definition, run by
 * aws-local-stepfunctions over the S3 emulator with the real worker, summary and compaction handlers (see
 * local-backfill.ts for how the Distributed Maps run locally), converts the stash, lists the days it wrote and
 * compacts them in chunks, and the lake then holds the same rows as a local conversion of the stash.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../../infra/context.js';
import { FlowlakeStack } from '../../infra/stack.js';
import { type Compactor, createCompactor, readCompactConfig } from '../../src/aws/compact.js';
import { readWorkerConfig } from '../../src/aws/config.js';
import { createSummary, readSummaryConfig } from '../../src/aws/summary.js';
import { createWorker, type Worker } from '../../src/aws/worker.js';
import { convert } from '../../src/convert/run.js';
import { compactLake } from '../../src/lake/compact.js';
import { dayId, parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { LocalStorage } from '../../src/storage/local.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { downloadPrefix } from '../support/s3-lake.js';
import {
  keysUnder,
  type S3TestServer,
  startS3ServerForFunctions,
  TEST_REGION,
  uniqueBucketName,
} from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';
import { definitionFromTemplate, runBackfillLocally } from './local-backfill.js';

// biome-ignore lint/suspicious/noExplicitAny: state machine definitions and outputs are free-form JSON here
type Json = Record<string, any>;

/** 2020-02-01T23:40Z: the stash crosses midnight, so each account has two days. */
const LATE_EVENING = 1_580_600_400;
const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

describe('the lake backfill, run by aws-local-stepfunctions against the S3 emulator, ends compacted', () => {
  let server: S3TestServer;
  let worker: Worker;
  let summary: ReturnType<typeof createSummary>;
  let compactor: Compactor;
  let definition: Json;
  const source = uniqueBucketName('lake-src');
  const dest = uniqueBucketName('lake-dst');
  const stash = tempDir();
  const localLake = tempDir();
  let expected: Awaited<ReturnType<typeof flowsDigest>>;

  before(async () => {
    server = await startS3ServerForFunctions(source, dest);
    await writeSampleStash(stash, { objects: 24, events: 60, seed: 41, startTime: LATE_EVENING });
    for (const file of filesUnder(stash))
      await server.putObject(source, `stash/${file}`, readFileSync(join(stash, file)));
    const local = await convert(stash, localLake, { to: ['parquet'], layout: 'hive', region: TEST_REGION });
    assert.equal(local.objects.failed, 0);
    expected = await flowsDigest(localLake);

    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [], // the definition does not depend on the bundles
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destinationBucket: dest,
        destinationPrefix: 'lake/',
        maxItemsPerBatch: '5',
        compactDaysPerBatch: '1',
      },
    });
    const stack = new FlowlakeStack(app, 'Flowlake', propsFromContext(app.node));
    const template = Template.fromStack(stack).toJSON();
    definition = definitionFromTemplate(template);
    // Each handler gets the environment the stack gives its function (and the region Lambda sets).
    const env = (fn: { node: { defaultChild?: unknown } }) => ({
      ...template.Resources[stack.resolve((fn.node.defaultChild as { logicalId: string }).logicalId)].Properties
        .Environment.Variables,
      AWS_REGION: TEST_REGION,
    });
    worker = createWorker({ config: readWorkerConfig(env(stack.worker)), logger: silent });
    summary = createSummary(readSummaryConfig(env(stack.summary)), silent);
    compactor = createCompactor({
      config: readCompactConfig({ ...env(stack.compactor!), PUBLISH_DELAY_SECONDS: '0' }),
      logger: silent,
    });
  });

  after(async () => {
    await worker?.close();
    await compactor?.close();
    await server?.stop();
  });

  const run = (executionName: string) =>
    runBackfillLocally({
      definition,
      s3: server.client,
      worker: (batch) => worker(batch),
      summary: (input) => summary(input as never),
      compact: (batch) => compactor(batch),
      input: { prefix: 'stash/' },
      executionName,
    });

  async function downloadedLake(): Promise<string> {
    const dir = tempDir();
    await downloadPrefix(server, dest, 'lake/', dir);
    return dir;
  }

  it('converts the stash, compacts every account/region/day it wrote, one chunk of days at a time', async () => {
    const outcome = await run('lake-first');
    assert.equal(outcome.status, 'SUCCEEDED', outcome.cause);
    assert.equal(outcome.output?.failed, 0);
    assert.ok(outcome.output?.compaction?.ResultWriterDetails, 'the compaction map ran and kept the summary');

    const days = JSON.parse(
      await (
        await server.client.send(
          new GetObjectCommand({ Bucket: dest, Key: 'lake/_flowlake/runs/lake-first.days.json' }),
        )
      ).Body!.transformToString(),
    );
    assert.deepEqual(days, [{ day: '20200201' }, { day: '20200202' }]);
    assert.equal(outcome.output?.days, 2);
    assert.deepEqual(
      outcome.compactBatches.map((b) => b.Items),
      [[{ day: '20200201' }], [{ day: '20200202' }]],
    );

    const keys = await keysUnder(server, dest, 'lake/');
    const accountDays = new Set(keys.map((k) => parseRecentKey(k)).flatMap((f) => (f ? [dayId(f)] : [])));
    const compactedDays = new Set(keys.map((k) => parseCompactedKey(k)).flatMap((f) => (f ? [dayId(f)] : [])));
    assert.ok(accountDays.size >= 4, `several accounts on two days (${accountDays.size})`);
    assert.deepEqual([...compactedDays].sort(), [...accountDays].sort(), 'every account/region/day is compacted');
    assert.equal(keys.filter((k) => parseCompactedKey(k)).length, accountDays.size, 'one file per day here');

    const lake = await downloadedLake();
    assert.deepEqual(await flowsDigest(lake), expected, 'the same rows as the stash converted locally');
    const again = await compactLake(new LocalStorage(lake), { retireGraceMs: 3_600_000 });
    assert.equal(again.days.compacted, 0, 'nothing is left to compact');
  });

  it('compacts the days of skipped objects too: a second run changes nothing and succeeds', async () => {
    const before = await keysUnder(server, dest, 'lake/');
    const outcome = await run('lake-second');
    assert.equal(outcome.status, 'SUCCEEDED', outcome.cause);
    assert.equal(outcome.output?.days, 2, 'the skipped objects name their days');
    assert.equal(outcome.compactBatches.length, 2);
    const after = await keysUnder(server, dest, 'lake/');
    const data = (keys: string[]) => keys.filter((k) => parseRecentKey(k) || parseCompactedKey(k));
    assert.deepEqual(data(after), data(before));
    assert.deepEqual(await flowsDigest(await downloadedLake()), expected);
  });

  it('fails the execution naming the day a corrupt file kept from compacting, after compacting the others', async () => {
    const late = tempDir();
    await writeSampleStash(late, { objects: 3, events: 40, seed: 42, startTime: LATE_EVENING + 3_600 });
    for (const file of filesUnder(late))
      await server.putObject(source, `stash/late/${file}`, readFileSync(join(late, file)));
    // The corrupt file: a late object's output for the 2nd, truncated after the conversion map wrote it.
    let victim = '';
    const lateOutputs: string[] = [];
    const corruptAfterConversion = async (batch: unknown) => {
      const result = (await worker(batch)) as unknown as { results: { outputs: string[] }[] };
      lateOutputs.push(...result.results.flatMap((r) => r.outputs));
      for (const key of result.results.flatMap((r) => r.outputs)) {
        if (victim || !key.includes('day=02/')) continue;
        victim = key;
        const object = await server.client.send(new GetObjectCommand({ Bucket: dest, Key: `lake/${key}` }));
        const bytes = Buffer.from(await object.Body!.transformToByteArray());
        await server.putObject(dest, `lake/${key}`, bytes.subarray(0, Math.floor(bytes.length / 2)));
      }
      return result;
    };
    const outcome = await runBackfillLocally({
      definition,
      s3: server.client,
      worker: corruptAfterConversion,
      summary: (input) => summary(input as never),
      compact: (batch) => compactor(batch),
      input: { prefix: 'stash/late/' },
      executionName: 'lake-corrupt',
    });
    assert.equal(outcome.status, 'FAILED');
    assert.equal(outcome.error, 'FlowlakeCompactionFailed', outcome.cause);
    const name = victim.split('/').at(-1)!;
    assert.ok(name, 'a late output was made corrupt');
    assert.match(outcome.cause ?? '', new RegExp(`not compacted.*${name.replaceAll('.', '\\.')}`));
    const keys = await keysUnder(server, dest, 'lake/');
    assert.ok(keys.includes(victim), 'its day is left as it was');
    // The late files of every other account's 2nd are compacted: retired by their day's state.
    const bad = parseRecentKey(victim)!;
    const dayState = async (key: string) => {
      const day = parseRecentKey(key)!;
      const object = await server.client.send(
        new GetObjectCommand({ Bucket: dest, Key: `lake/lake-state/${day.account}_${day.region}_${day.day}.csv` }),
      );
      return object.Body!.transformToString();
    };
    const others = lateOutputs.filter((k) => dayId(parseRecentKey(k)!) !== dayId(bad));
    assert.ok(others.length > 0);
    for (const key of others) assert.match(await dayState(key), new RegExp(`^retired,.*,${key},`, 'm'), key);
    assert.doesNotMatch(
      await dayState(victim).catch(() => ''),
      new RegExp(`,${victim},`),
      'the corrupt file is not retired',
    );
  });
});
