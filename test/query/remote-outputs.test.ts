/**
 * flowlake's own outputs in S3 read as outputs (DESIGN §10): CSV.gz and a compacted Parquet lake with retired
 * files still in their grace give the rows of the same outputs on disk, each once; a second question fetches
 * nothing; a window fetches only its partitions; a stash in S3 is still converted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { convert } from '../../src/convert/run.js';
import { compactLake } from '../../src/lake/compact.js';
import { parseRecentKey } from '../../src/lake/lake-keys.js';
import { openFlows } from '../../src/query/index.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { S3Storage } from '../../src/storage/s3.js';
import { flowsDigest } from '../support/lake-digest.js';
import { keysUnder, type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';

/** 2020-02-01T22:40Z: the stash's hour of objects spans two hours of flows. */
const LATE_EVENING = 1_580_596_800;

describe('outputs in S3 read as outputs', { timeout: 240_000 }, () => {
  let server: S3TestServer;
  const bucket = uniqueBucketName('outputs');
  let stash: string;
  let expected: Awaited<ReturnType<typeof flowsDigest>>;
  let s3: { endpointUrl: string; region: string };

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
    s3 = { endpointUrl: server.endpoint, region: 'us-east-1' };
    // Not tempDir(): a folder made in a before hook would be removed when the hook ends.
    stash = mkdtempSync(join(tmpdir(), 'flowlake-remote-'));
    const sample = await writeSampleStash(stash, { objects: 60, events: 200, seed: 31, startTime: LATE_EVENING });
    for (const key of sample.keys) await server.putObject(bucket, `stash/${key}`, readFileSync(join(stash, key)));
    const cache = mkdtempSync(join(tmpdir(), 'flowlake-remote-cache-'));
    expected = await flowsDigest(stash, cache);
    rmSync(cache, { recursive: true, force: true });
  });

  after(async () => {
    await server?.stop();
    if (stash) rmSync(stash, { recursive: true, force: true });
  });

  it('CSV.gz outputs (mirror layout): the rows of the stash, and a second question fetches nothing', async () => {
    const dest = `s3://${bucket}/csv`;
    const report = await convert(stash, dest, { to: ['csv'], ...s3 });
    assert.equal(report.objects.failed, 0);
    const cache = tempDir();
    assert.deepEqual(await flowsDigest(dest, cache, s3), expected);
    const again = await openFlows(dest, { cache, ...s3 });
    try {
      assert.match(again.description, /^60 csv files under .* \(0 fetched now, 0 outside the window\)$/);
    } finally {
      await again.close();
    }
  });

  it('a compacted Parquet lake whose replaced files wait out their grace: every row once, only visible files fetched', async () => {
    const dest = `s3://${bucket}/lake`;
    const report = await convert(stash, dest, { to: ['parquet'], layout: 'hive', ...s3 });
    assert.equal(report.objects.failed, 0);
    const cache = tempDir();
    assert.deepEqual(await flowsDigest(dest, cache, s3), expected, 'before compaction');

    const lake = new S3Storage(bucket, 'lake', s3);
    const compacted = await compactLake(lake, { retireGraceMs: 3_600_000, publishDelayMs: 0 });
    await lake.close();
    assert.ok(compacted.days.compacted >= 1);
    const keys = await keysUnder(server, bucket, 'lake/');
    assert.ok(
      keys.some((k) => parseRecentKey(k)),
      'the replaced files are still in S3',
    );
    assert.deepEqual(await flowsDigest(dest, cache, s3), expected, 'after compaction, from the same cache');

    const session = await openFlows(dest, { cache, ...s3 });
    try {
      assert.match(session.description, new RegExp(`^${compacted.filesOut} parquet files under `));
      assert.match(session.description, /\(0 fetched now,/, 'the compacted files were fetched by the question before');
    } finally {
      await session.close();
    }
    assert.deepEqual(await flowsDigest(dest, tempDir(), s3), expected, 'after compaction, from an empty cache');
  });

  it('a window fetches only the partitions it needs, with the answer of the whole lake cut to it', async () => {
    const dest = `s3://${bucket}/hourly`;
    await convert(stash, dest, { to: ['parquet'], layout: 'hive', ...s3 });
    const keys = (await keysUnder(server, bucket, 'hourly/')).filter((k) => k.endsWith('.parquet'));
    const hours = new Set(keys.map((k) => parseRecentKey(k)?.hour));
    assert.ok(hours.size >= 2, `several hours (${[...hours].join(', ')})`);
    const window = { since: '2020-02-01T23:00:00Z', until: '2020-02-02T00:00:00Z' };
    const session = await openFlows(dest, { cache: tempDir(), ...s3, ...window });
    const whole = await openFlows(stash, { cache: tempDir(), ...window });
    try {
      const fetched = Number(/\((\d+) fetched now, (\d+) outside the window\)/.exec(session.description)?.[1]);
      const pruned = Number(/(\d+) outside the window/.exec(session.description)?.[1]);
      assert.ok(fetched > 0 && pruned > 0, session.description);
      assert.equal(fetched + pruned, keys.length);
      const sql = 'SELECT count(*) AS n, sum(bytes)::VARCHAR AS b FROM flows';
      assert.deepEqual((await session.query(sql, 0)).rows, (await whole.query(sql, 0)).rows);
    } finally {
      await session.close();
      await whole.close();
    }
  });

  it('a stash in S3 is still converted into the cache', async () => {
    assert.deepEqual(await flowsDigest(`s3://${bucket}/stash`, tempDir(), s3), expected);
  });
});
