/**
 * The compaction Lambda over a lake in the S3 emulator: the days an event names are compacted (every account and
 * region), the others left alone, the rows the same; what each caller sends (map batch, schedule, by hand) is
 * read into the days it means.
 */
import assert from 'node:assert/strict';
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { type CompactSummary, createCompactor, readCompactConfig, requestFromEvent } from '../../src/aws/compact.js';
import { convert } from '../../src/convert/run.js';
import { parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { acquireLock } from '../../src/lake/lock.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { S3Storage } from '../../src/storage/s3.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { downloadPrefix, uploadFolder } from '../support/s3-lake.js';
import {
  keysUnder,
  type S3TestServer,
  startS3ServerForFunctions,
  TEST_REGION,
  uniqueBucketName,
} from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';

/** 2020-02-01T23:40Z: the stash crosses midnight, so each account has rows on the 1st and the 2nd. */
const LATE_EVENING = 1_580_600_400;
const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

describe('requestFromEvent', () => {
  it('reads a map batch, the schedule, a day list and a window', () => {
    assert.deepEqual(requestFromEvent({ Items: [{ day: '20200202' }, { day: '20200201' }], BatchInput: {} }), {
      days: ['20200201', '20200202'],
    });
    assert.deepEqual(requestFromEvent({ scheduledTime: '2020-03-01T02:30:00Z', daysBack: [1, 2] }), {
      days: ['20200228', '20200229'],
    });
    assert.deepEqual(requestFromEvent({ days: ['2020-02-01', '20200201', '2019-12-31'] }), {
      days: ['20191231', '20200201'],
    });
    assert.deepEqual(requestFromEvent({ since: '2020-02-01', until: '2020-02-03' }), {
      since: '20200201',
      until: '20200203',
    });
    assert.deepEqual(requestFromEvent({ since: '2020-02-01' }), { since: '20200201' });
  });

  it('refuses what names no day, or no real one', () => {
    assert.throws(() => requestFromEvent({}), /unsupported event/);
    assert.throws(() => requestFromEvent('20200201'), /JSON object/);
    assert.throws(() => requestFromEvent({ days: ['2020-02-30'] }), /"2020-02-30" is not a day/);
    assert.throws(() => requestFromEvent({ days: [] }), /no days/);
    assert.throws(() => requestFromEvent({ Items: [{ Key: 'x' }] }), /"undefined" is not a day/);
    assert.throws(() => requestFromEvent({ scheduledTime: 'soon', daysBack: [1] }), /ISO time/);
    assert.throws(() => requestFromEvent({ scheduledTime: '2020-03-01T02:30:00Z', daysBack: [-1] }), /daysBack/);
    assert.throws(() => requestFromEvent({ since: '2020-02-03', until: '2020-02-01' }), /after/);
  });

  it('reads its settings from the environment, refusing nonsense', () => {
    assert.deepEqual(readCompactConfig({ DEST_BUCKET: 'b', DEST_PREFIX: 'lake/', COMPACT_TARGET_MIB: '64' }), {
      destBucket: 'b',
      destPrefix: 'lake/',
      targetBytes: 64 * 2 ** 20,
    });
    assert.throws(() => readCompactConfig({}), /DEST_BUCKET/);
    assert.throws(() => readCompactConfig({ DEST_BUCKET: 'b', COMPACT_TARGET_MIB: 'big' }), /COMPACT_TARGET_MIB/);
    assert.throws(() => readCompactConfig({ DEST_BUCKET: 'b', COMPRESSION: 'lz4' }), /unknown Parquet compression/);
    assert.equal(readCompactConfig({ DEST_BUCKET: 'b', PUBLISH_DELAY_SECONDS: '45' }).publishDelayMs, 45_000);
    assert.equal(readCompactConfig({ DEST_BUCKET: 'b' }).publishDelayMs, undefined, "compactLake's default");
    assert.throws(() => readCompactConfig({ DEST_BUCKET: 'b', PUBLISH_DELAY_SECONDS: '-1' }), /PUBLISH_DELAY_SECONDS/);
  });
});

describe('the compaction Lambda over the S3 emulator', () => {
  let server: S3TestServer;
  const bucket = uniqueBucketName('compact');
  const prefix = 'lake/';
  let local: string;
  let expected: Awaited<ReturnType<typeof flowsDigest>>;

  before(async () => {
    server = await startS3ServerForFunctions(bucket);
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 40, events: 100, seed: 21, startTime: LATE_EVENING });
    local = tempDir();
    const report = await convert(stash, local, {
      to: ['parquet'],
      layout: 'hive',
      region: 'eu-west-1',
      concurrency: 1,
    });
    assert.equal(report.objects.failed, 0);
    expected = await flowsDigest(local);
    assert.equal(expected.rows, 4_000);
    await uploadFolder(server, local, bucket, prefix);
  });

  after(async () => server?.stop());

  const compactor = () =>
    createCompactor({ config: { destBucket: bucket, destPrefix: prefix, publishDelayMs: 0 }, logger: silent });
  const daysOf = (keys: readonly string[], parse: typeof parseRecentKey | typeof parseCompactedKey) =>
    [...new Set(keys.map((k) => parse(k)?.day).filter(Boolean))].sort();

  async function lakeDigest() {
    const dir = tempDir();
    await downloadPrefix(server, bucket, prefix, dir);
    return { digest: await flowsDigest(dir), dir };
  }

  it('compacts only the days asked for, every account and region of them, the rows the same', async () => {
    const handler = compactor();
    try {
      const recentBefore = (await keysUnder(server, bucket, prefix)).filter((k) => parseRecentKey(k));
      const accounts = new Set(recentBefore.map((k) => parseRecentKey(k)?.account));
      assert.ok(accounts.size >= 2, `several accounts (${accounts.size})`);
      assert.deepEqual(daysOf(recentBefore, parseRecentKey), ['20200201', '20200202']);

      const summary = await handler({ days: ['2020-02-01'] });
      assert.deepEqual(summary.requested, { days: ['20200201'] });
      assert.equal(summary.days.compacted, accounts.size, 'one day of each account');
      assert.equal(summary.days.failed, 0);
      assert.equal(summary.filesOut, accounts.size);
      assert.equal(summary.filesIn, recentBefore.filter((k) => parseRecentKey(k)?.day === '20200201').length);
      assert.equal(summary.retiredDeleted, 0, 'on S3 replaced files wait out their grace');
      assert.equal(summary.retiredWaiting, summary.filesIn);
      assert.equal(JSON.stringify(JSON.parse(JSON.stringify(summary))), JSON.stringify(summary), 'plain JSON');

      const keys = await keysUnder(server, bucket, prefix);
      assert.deepEqual(daysOf(keys, parseCompactedKey), ['20200201']);
      assert.ok(
        keys.some((k) => k.startsWith('lake-state/')),
        'the state is published',
      );
      const { digest } = await lakeDigest();
      assert.deepEqual(digest, expected);
    } finally {
      await handler.close();
    }
  });

  it("gives the lake's lock to one of two compactions taking it at once: S3's exclusive create decides", async () => {
    const lake = new S3Storage(bucket, prefix, { endpointUrl: server.endpoint, region: TEST_REGION });
    try {
      // Both read "no lock" before either writes: only the exclusive create (If-None-Match: *) tells them apart.
      const [a, b] = await Promise.allSettled([
        acquireLock(lake, 'compact', 'flowlake compact (a)'),
        acquireLock(lake, 'compact', 'flowlake compact (b)'),
      ]);
      const won = [a, b].filter((r) => r.status === 'fulfilled');
      const lost = [a, b].filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.match(String((lost[0] as PromiseRejectedResult).reason), /locked by flowlake compact \([ab]\)/);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release();
    } finally {
      await lake.close();
    }
  });

  it('compacts what the schedule names: the days before its UTC day; a day already done is unchanged', async () => {
    const handler = compactor();
    try {
      const summary = await handler({ scheduledTime: '2020-02-03T02:30:00Z', daysBack: [1, 2] });
      assert.deepEqual(summary.requested, { days: ['20200201', '20200202'] });
      assert.ok(summary.days.compacted >= 2, `the 2nd of each account (${summary.days.compacted})`);
      assert.equal(summary.days.failed, 0);
      const keys = await keysUnder(server, bucket, prefix);
      assert.deepEqual(daysOf(keys, parseCompactedKey), ['20200201', '20200202']);
      const { digest } = await lakeDigest();
      assert.deepEqual(digest, expected);

      const again = await handler({ Items: [{ day: '20200201' }, { day: '20200202' }] });
      assert.equal(again.days.compacted, 0, 'nothing new: nothing done');
      assert.deepEqual(await keysUnder(server, bucket, prefix), keys);
    } finally {
      await handler.close();
    }
  });

  it('fails naming the day whose file is corrupt, after publishing the others', async () => {
    const dir = tempDir();
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 40, events: 20, seed: 22, startTime: LATE_EVENING });
    await convert(stash, dir, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
    const victim = filesUnder(dir).find((f) => parseRecentKey(f)?.day === '20200202')!;
    truncateSync(join(dir, victim), Math.floor(statSync(join(dir, victim)).size / 2));
    const other = uniqueBucketName('corrupt');
    await server.createBucket(other);
    await uploadFolder(server, dir, other, '');
    const handler = createCompactor({
      config: { destBucket: other, destPrefix: '', publishDelayMs: 0 },
      logger: silent,
    });
    try {
      await assert.rejects(handler({ days: ['20200201', '20200202'] }), (err: Error) => {
        assert.equal(err.name, 'FlowlakeDaysNotCompacted');
        assert.match(err.message, new RegExp(`not compacted.*${victim.split('/').at(-1)!.replaceAll('.', '\\.')}`));
        return true;
      });
      const keys = await keysUnder(server, other, '');
      const bad = parseRecentKey(victim)!;
      const compacted = keys.map((k) => parseCompactedKey(k)).filter((c) => c !== undefined);
      assert.ok(
        compacted.some((c) => c.day === '20200201'),
        'the good days are published',
      );
      assert.ok(!compacted.some((c) => c.day === bad.day && c.account === bad.account && c.region === bad.region));
      assert.ok(keys.includes(victim), 'the bad day is left as it was');
    } finally {
      await handler.close();
    }
  });

  it('does nothing, and says so, where nothing was converted yet', async () => {
    const empty = uniqueBucketName('empty');
    await server.createBucket(empty);
    const handler = createCompactor({
      config: { destBucket: empty, destPrefix: 'lake/', publishDelayMs: 0 },
      logger: silent,
    });
    try {
      const summary: CompactSummary = await handler({ scheduledTime: '2020-02-03T02:30:00Z', daysBack: [1] });
      assert.match(summary.note ?? '', /no lake yet/);
      assert.equal(summary.days.compacted, 0);
      assert.deepEqual(await keysUnder(server, empty, ''), []);
    } finally {
      await handler.close();
    }
  });
});
