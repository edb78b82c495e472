/**
 * The Lambda worker's coalesced lake writes (DESIGN §10), against the S3 emulator: a Distributed Map batch or an
 * SQS batch converts all its objects into one writer per partition, publishes them in checkpoints (files whole,
 * then markers), and reports as failed exactly the objects a checkpoint could not publish, so that a redelivery
 * converts them again — and only them: the lake then reads every row once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import type { WorkerConfig } from '../../src/aws/config.js';
import { createWorker, type MapBatchResult, type Worker } from '../../src/aws/worker.js';
import { convert } from '../../src/convert/run.js';
import type { ObjectResult } from '../../src/convert/types.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { filesUnder } from '../support/files.js';
import { gz } from '../support/flow-inputs.js';
import { type FlowsDigest, flowsDigest } from '../support/lake-digest.js';
import { downloadPrefix } from '../support/s3-lake.js';
import { s3Notification, sqsEvent } from '../support/s3-notifications.js';
import {
  keysUnder,
  objectsUnder,
  type S3TestServer,
  startS3ServerForFunctions,
  TEST_REGION,
  uniqueBucketName,
} from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';

/** 2020-02-01T00:54Z: twelve objects a minute apart cross into the next hour. */
const BEFORE_ONE = 1_580_518_440;
const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
/** Matches no key: lifts a refusal. */
const NOTHING = /(?!)/;

interface SourceObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

describe('worker: coalesced lake writes for Map and SQS batches (hive Parquet, S3 emulator)', () => {
  let server: S3TestServer;
  const source = uniqueBucketName('lake-src');
  const stash = tempDir();
  let objects: SourceObject[] = [];
  let bad: SourceObject;
  let expected: FlowsDigest;
  const workers: Worker[] = [];

  before(async () => {
    server = await startS3ServerForFunctions(source);
    await writeSampleStash(stash, { objects: 12, events: 60, seed: 17, startTime: BEFORE_ONE });
    for (const file of filesUnder(stash)) {
      await server.putObject(source, `stash/${file}`, readFileSync(join(stash, file)));
    }
    await server.putObject(source, 'stash/2020/02/01/00/broken', gz('{"messageType":"DATA_').subarray(0, 20));
    const etags = await objectsUnder(server, source);
    const described = (key: string) => ({
      key,
      size: key.endsWith('broken') ? 20 : readFileSync(join(stash, key.slice('stash/'.length))).length,
      etag: etags.get(key) ?? '',
    });
    objects = filesUnder(stash).map((file) => described(`stash/${file}`));
    bad = described('stash/2020/02/01/00/broken');
    const local = tempDir();
    await convert(stash, local, { to: ['parquet'], layout: 'hive', region: TEST_REGION, concurrency: 1 });
    expected = await flowsDigest(local);
  });

  after(async () => {
    for (const worker of workers) await worker.close();
    await server?.stop();
  });

  /** A worker converting the stash's objects into `config`'s destination (closed after the tests). */
  function workerWriting(
    config: Omit<WorkerConfig, 'sourceBucket' | 'sourcePrefix'>,
    options: { checkpointRows?: number } = {},
  ): Worker {
    const worker = createWorker({
      config: { sourceBucket: source, sourcePrefix: 'stash/', ...config },
      objectsAtOnce: 4,
      logger: silent,
      ...options,
    });
    workers.push(worker);
    return worker;
  }

  /** A destination bucket of its own, and a worker writing the lake under `lake/` in it. */
  async function freshLake(options: { checkpointRows?: number } = {}) {
    const dest = uniqueBucketName('lake-dst');
    await server.createBucket(dest);
    const worker = workerWriting(
      { destBucket: dest, destPrefix: 'lake/', options: { to: ['parquet'], layout: 'hive', region: TEST_REGION } },
      options,
    );
    const keys = () => keysUnder(server, dest, 'lake/');
    return {
      dest,
      keys,
      dataFiles: async () => (await keys()).filter((k) => k.startsWith('AWSLogs/')),
      markers: async () => (await keys()).filter((k) => k.startsWith('_flowlake/done/')),
      records: async () => (await keys()).filter((k) => k.startsWith('_flowlake/checkpoints/')),
      map: async (batch: readonly SourceObject[], requestId?: string) => {
        const event = { Items: batch.map((o) => ({ Key: o.key, Size: o.size, Etag: o.etag })), BatchInput: {} };
        return ((await worker(event, invocation(requestId))) as MapBatchResult).results;
      },
      sqs: async (bodies: readonly string[], requestId?: string) =>
        (await worker(sqsEvent(bodies), invocation(requestId))) as SQSBatchResponse,
      /** The lake as the local `flows` view reads it (it leaves out what a reader of the lake must). */
      digest: async () => {
        const dir = tempDir();
        await downloadPrefix(server, dest, 'lake/', dir);
        return flowsDigest(dir);
      },
    };
  }

  const notification = (batch: readonly SourceObject[]) => s3Notification(source, batch);

  it('a Map batch of 12 objects over two hours writes one file per partition, every item converted and marked', async () => {
    const lake = await freshLake();
    const results = await lake.map(objects, 'c0ffee00-1111-2222-3333-444455556666');

    assert.deepEqual(statuses(results), { converted: 12 });
    assert.equal(sum(results, 'rows'), expected.rows);
    const files = await lake.dataFiles();
    assert.deepEqual(partitionsOf(files), [...new Set(partitionsOf(files))], 'one file per partition');
    assert.deepEqual([...new Set(files.map((f) => /hour=(\d\d)/.exec(f)?.[1]))].sort(), ['00', '01']);
    for (const file of files) {
      assert.match(file.split('/').at(-1)!, /^\d{8}T\d{6}Z-c0ffee00-1111-2222-3333-444455556666-0\.parquet$/);
    }
    assert.equal((await lake.markers()).length, 12);
    assert.deepEqual(await lake.records(), [], 'the checkpoint finished');
    assert.deepEqual(new Set(results.flatMap((r) => r.outputs)), new Set(files), 'outputs name the shared files');
    assert.deepEqual(await lake.digest(), expected);
  });

  it('a second delivery of the Map batch converts nothing again, and the lake still reads each row once', async () => {
    const lake = await freshLake();
    await lake.map(objects);
    const before = await lake.keys();
    const again = await lake.map(objects);
    assert.deepEqual(statuses(again), { skipped: 12 });
    assert.deepEqual(await lake.keys(), before);
    assert.deepEqual(await lake.digest(), expected);
  });

  it('an SQS batch of several messages (one naming two objects, one a duplicate) writes one file per partition', async () => {
    const lake = await freshLake();
    const bodies = [
      notification(objects.slice(0, 2)),
      ...objects.slice(2).map((o) => notification([o])),
      notification([objects[5]]), // S3 notifies at least once: the object converts once all the same
    ];
    const response = await lake.sqs(bodies);
    assert.deepEqual(response, { batchItemFailures: [] });
    const files = await lake.dataFiles();
    assert.deepEqual(partitionsOf(files), [...new Set(partitionsOf(files))], 'one file per partition');
    assert.equal((await lake.markers()).length, 12);
    assert.deepEqual(await lake.digest(), expected);

    const before = await lake.keys();
    assert.deepEqual(await lake.sqs(bodies), { batchItemFailures: [] }, 'redelivered: all done already');
    assert.deepEqual(await lake.keys(), before);
    assert.deepEqual(await lake.digest(), expected);
  });

  it('a checkpoint whose files are refused fails every item of it, leaves nothing visible, and converts on redelivery', async () => {
    const lake = await freshLake();
    server.denyAccess(lake.dest, { methods: ['PUT'], keys: /^lake\/AWSLogs\// });
    const results = await lake.map(objects);
    assert.deepEqual(statuses(results), { failed: 12 });
    for (const result of results) assert.match(result.error ?? '', /^not published: .*Access ?Denied/i);
    assert.deepEqual(await lake.dataFiles(), []);
    assert.deepEqual(await lake.markers(), []);
    assert.deepEqual(await lake.records(), []);
    assert.deepEqual(await server.listMultipartUploads(lake.dest), []);

    server.denyAccess(lake.dest, { keys: NOTHING });
    assert.deepEqual(statuses(await lake.map(objects)), { converted: 12 });
    assert.deepEqual(await lake.digest(), expected);
  });

  it('on the SQS path a refused checkpoint names every message in batchItemFailures', async () => {
    const lake = await freshLake();
    server.denyAccess(lake.dest, { methods: ['PUT'], keys: /^lake\/AWSLogs\// });
    const bodies = [
      notification(objects.slice(0, 6)),
      notification(objects.slice(6, 9)),
      notification(objects.slice(9)),
    ];
    const response = await lake.sqs(bodies);
    assert.deepEqual(response.batchItemFailures.map((f) => f.itemIdentifier).sort(), ['m0', 'm1', 'm2']);
    assert.deepEqual(await lake.dataFiles(), []);
    assert.deepEqual(await lake.markers(), []);

    server.denyAccess(lake.dest, { keys: NOTHING });
    assert.deepEqual(await lake.sqs(bodies), { batchItemFailures: [] });
    assert.deepEqual(await lake.digest(), expected);
  });

  it('a batch that dies between publishing its files and writing its markers is finished, not converted again, on redelivery', async () => {
    const lake = await freshLake();
    // The markers cannot be written: the files are visible, the checkpoint's record stays (as after a crash).
    server.denyAccess(lake.dest, { methods: ['PUT'], keys: /^lake\/_flowlake\/done\// });
    const first = await lake.map(objects);
    assert.deepEqual(statuses(first), { failed: 12 }, 'not marked: reported failed, so the batch is run again');
    const files = await lake.dataFiles();
    assert.ok(files.length > 0);
    assert.equal((await lake.records()).length, 1);
    assert.deepEqual(await lake.digest(), expected, 'readers count the published files once');

    server.denyAccess(lake.dest, { keys: NOTHING });
    const again = await lake.map(objects);
    assert.deepEqual(statuses(again), { skipped: 12 }, 'the record was rolled forward: its objects are done');
    assert.deepEqual(await lake.dataFiles(), files, 'no file written again');
    assert.equal((await lake.markers()).length, 12);
    assert.deepEqual(await lake.records(), []);
    assert.deepEqual(await lake.digest(), expected);
  });

  it('one bad object fails alone: on the Map path its item, on the SQS path its message', async () => {
    const lake = await freshLake();
    const results = await lake.map([...objects.slice(0, 6), bad, ...objects.slice(6)]);
    assert.deepEqual(statuses(results), { converted: 12, failed: 1 });
    assert.equal(results[6].key, '2020/02/01/00/broken');
    assert.equal(results[6].status, 'failed');
    const files = await lake.dataFiles();
    assert.deepEqual(partitionsOf(files), [...new Set(partitionsOf(files))], 'one file per partition');
    assert.deepEqual(await lake.digest(), expected);

    const sqsLake = await freshLake();
    const bodies = [notification(objects.slice(0, 6)), notification([bad]), notification(objects.slice(6))];
    assert.deepEqual(await sqsLake.sqs(bodies), { batchItemFailures: [{ itemIdentifier: 'm1' }] });
    assert.deepEqual(await sqsLake.digest(), expected);
  });

  it('checkpoints mid-batch once the staged rows reach the bound, each checkpoint its own files', async () => {
    const lake = await freshLake({ checkpointRows: 100 });
    const results = await lake.map(objects);
    assert.deepEqual(statuses(results), { converted: 12 });
    const files = await lake.dataFiles();
    const checkpoints = new Set(files.map((f) => /-(\d+)\.parquet$/.exec(f)?.[1]));
    assert.ok(checkpoints.size >= 2, `checkpoints: ${[...checkpoints].join(', ')}`);
    for (const checkpoint of checkpoints) {
      const own = partitionsOf(files.filter((f) => f.endsWith(`-${checkpoint}.parquet`)));
      assert.deepEqual(own, [...new Set(own)], `one file per partition in checkpoint ${checkpoint}`);
    }
    assert.deepEqual(await lake.records(), []);
    assert.deepEqual(await lake.digest(), expected);
  });

  it('two invocations writing at once never share a file name', async () => {
    const lake = await freshLake();
    const [a, b] = await Promise.all([
      lake.map(
        objects.filter((_, i) => i % 2 === 0),
        'request-a',
      ),
      lake.map(
        objects.filter((_, i) => i % 2 === 1),
        'request-b',
      ),
    ]);
    assert.deepEqual(statuses([...a, ...b]), { converted: 12 });
    const files = await lake.dataFiles();
    const names = (id: string) => files.filter((f) => f.includes(`Z-${id}-0.parquet`));
    assert.equal(names('request-a').length + names('request-b').length, files.length);
    assert.ok(names('request-a').length > 0 && names('request-b').length > 0);
    assert.deepEqual(await lake.digest(), expected);
  });

  it('the same objects in two invocations at once (a duplicate delivery): each converts once, every row once', async () => {
    const lake = await freshLake();
    const [a, b] = await Promise.all([lake.map(objects, 'request-a'), lake.map(objects, 'request-b')]);
    for (const object of objects) {
      const key = object.key.slice('stash/'.length);
      const both = [...a, ...b].filter((r) => r.key === key);
      assert.equal(both.filter((r) => r.status === 'converted').length, 1, `${key} converted once`);
      const other = both.find((r) => r.status !== 'converted');
      assert.ok(
        other?.status === 'skipped' || /being converted by another invocation/.test(other?.error ?? ''),
        `${key}: ${other?.status} ${other?.error}`,
      );
    }
    assert.deepEqual(await lake.digest(), expected);
    assert.deepEqual(
      (await lake.keys()).filter((k) => k.startsWith('_flowlake/claims/')),
      [],
      'every claim released',
    );
    // Redelivered, what was left to the other invocation is done: skipped.
    const again = await lake.map(objects, 'request-c');
    assert.deepEqual(statuses(again), { skipped: 12 });
    assert.deepEqual(await lake.digest(), expected);
  });

  it('into a Security Lake location: one OCSF object per partition there, its bookkeeping under the destination prefix', async () => {
    const dest = uniqueBucketName('lake-dst');
    const securityLake = uniqueBucketName('aws-security-data-lake');
    await server.createBucket(dest);
    await server.createBucket(securityLake);
    const worker = workerWriting({
      destBucket: dest,
      destPrefix: 'flowlake/',
      outputUrl: `s3://${securityLake}/ext/vpcflow/2.0/`,
      options: { to: ['ocsf'], layout: 'ocsf', flowRegion: TEST_REGION },
    });
    const event = { Items: objects.map((o) => ({ Key: o.key, Size: o.size, Etag: o.etag })), BatchInput: {} };
    const results = ((await worker(event, invocation('request-ocsf'))) as MapBatchResult).results;
    assert.deepEqual(statuses(results), { converted: 12 });
    const located = await keysUnder(server, securityLake, 'ext/vpcflow/2.0/');
    assert.ok(
      located.length > 0 &&
        located.every((k) => /^region=[^/]+\/accountId=[^/]+\/eventDay=\d{8}\/[^/]+\.parquet$/.test(k)),
      located.join(', '),
    );
    const partitions = partitionsOf(located);
    assert.equal(new Set(partitions).size, partitions.length, 'one object per partition');
    const bookkeeping = await keysUnder(server, dest, 'flowlake/');
    assert.equal(bookkeeping.filter((k) => k.startsWith('_flowlake/done/')).length, 12);
    assert.ok(
      bookkeeping.every((k) => k.startsWith('_flowlake/')),
      bookkeeping.join(', '),
    );
  });
});

/** The Lambda context the worker reads: its request id names the invocation's files. */
function invocation(requestId: string | undefined): Context | undefined {
  return requestId === undefined ? undefined : ({ awsRequestId: requestId } as Context);
}

function statuses(results: readonly ObjectResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function sum(results: readonly ObjectResult[], field: 'rows' | 'bytesOut'): number {
  return results.reduce((total, r) => total + r[field], 0);
}

/** The partition folder of each data file, in the files' order. */
function partitionsOf(files: readonly string[]): string[] {
  return files.map((f) => f.slice(0, f.lastIndexOf('/')));
}
