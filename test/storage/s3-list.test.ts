import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openS3Storage, S3Storage } from '../../src/storage/s3.js';
import { firehoseTimePrefixes } from '../../src/storage/time-prefixes.js';
import { inBatches } from '../support/bytes.js';
import { type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';

describe('S3Storage.list', () => {
  let server: S3TestServer;
  let storage: S3Storage;
  const bucket = uniqueBucketName('list');
  const manyKeys = Array.from({ length: 1105 }, (_, i) => `2024/05/01/${String(i % 24).padStart(2, '0')}/obj-${i}`);

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
    await inBatches(manyKeys, 16, (key) => server.putObject(bucket, `stash/${key}`, key));
    await server.putObject(bucket, 'stash/2024/05/02/00/late', 'x');
    await server.putObject(bucket, 'stash/_underscore', 'x'); // sorts after digits in S3, before them by locale
    await server.putObject(bucket, 'stash/folder/', ''); // a folder marker, as consoles create them
    await server.putObject(bucket, 'stash/out/_flowlake/done/a.json', '{}'); // a destination inside the source
    await server.putObject(bucket, 'stash-old/not-under-the-prefix', 'x');
    storage = new S3Storage(bucket, 'stash', { endpointUrl: server.endpoint });
  });

  after(async () => {
    await storage.close();
    await server.stop();
  });

  it('pages through more than 1,000 keys, keys relative to the prefix, markers and _flowlake skipped', async (t) => {
    const keys: string[] = [];
    for await (const object of storage.list()) keys.push(object.key);
    assert.equal(keys.length, manyKeys.length + 2);
    assert.deepEqual(new Set(keys), new Set([...manyKeys, '2024/05/02/00/late', '_underscore']));
    assert.deepEqual([...keys].sort(), keys, 'keys come in S3 (byte) order');
    assert.ok(storage.stats.listPages >= 2, `expected several pages, got ${storage.stats.listPages}`);
    assert.equal(storage.stats.skippedKeys, 2);
    t.diagnostic(`${keys.length} keys in ${storage.stats.listPages} pages`);
  });

  it('gives size and ETag of each object', async () => {
    for await (const object of storage.list({ prefixes: ['2024/05/02/'] })) {
      assert.equal(object.key, '2024/05/02/00/late');
      assert.equal(object.size, 1);
      assert.match(object.etag, /^"[0-9a-f]{32}"$/);
    }
  });

  it('lists only the requested sub-prefixes, each key once even when prefixes nest', async () => {
    const keys: string[] = [];
    for await (const object of storage.list({ prefixes: ['2024/05/01/03/', '2024/05/01/0', '2024/05/02/'] })) {
      keys.push(object.key);
    }
    const expected = [...manyKeys.filter((key) => key.startsWith('2024/05/01/0')), '2024/05/02/00/late'];
    assert.deepEqual(keys.sort(), expected.sort());
  });

  it('lists inside _flowlake/ when asked to', async () => {
    const keys: string[] = [];
    for await (const object of storage.list({ prefixes: ['out/_flowlake/'] })) keys.push(object.key);
    assert.deepEqual(keys, ['out/_flowlake/done/a.json']);
  });

  it('selects Firehose hour folders from --since/--until without listing the rest', async () => {
    const hours = new S3Storage(bucket, 'stash/', { endpointUrl: server.endpoint });
    try {
      const prefixes = firehoseTimePrefixes('2024-05-01T22:30Z', '2024-05-02T01:00Z');
      assert.deepEqual(prefixes, ['2024/05/01/22/', '2024/05/01/23/', '2024/05/02/00/']);
      const keys: string[] = [];
      for await (const object of hours.list({ prefixes })) keys.push(object.key);
      const expected = manyKeys.filter((key) => /^2024\/05\/01\/2[23]\//.test(key));
      assert.deepEqual(keys.sort(), [...expected, '2024/05/02/00/late'].sort());
      assert.equal(hours.stats.listPages, 3);
    } finally {
      await hours.close();
    }
  });

  it('treats s3://bucket/prefix and s3://bucket/prefix/ alike and not as a string prefix', async () => {
    const fromUrl = S3Storage.fromUrl(`s3://${bucket}/stash-old`, { endpointUrl: server.endpoint });
    try {
      assert.equal(fromUrl.root, `s3://${bucket}/stash-old`);
      const keys: string[] = [];
      for await (const object of fromUrl.list()) keys.push(object.key);
      assert.deepEqual(keys, ['not-under-the-prefix']);
    } finally {
      await fromUrl.close();
    }
  });
});

describe('openS3Storage', () => {
  let server: S3TestServer;
  const bucket = uniqueBucketName('open');

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
    await server.putObject(bucket, 'logs/2024/one.gz', 'one');
    await server.putObject(bucket, 'logs/2024/one.gz.more', 'not me');
  });

  after(async () => {
    await server.stop();
  });

  async function keysOf(url: string): Promise<{ root: string; keys: string[] }> {
    const storage = await openS3Storage(url, { endpointUrl: server.endpoint });
    try {
      const keys: string[] = [];
      for await (const object of storage.list()) keys.push(object.key);
      return { root: storage.root, keys: keys.sort() };
    } finally {
      await storage.close();
    }
  }

  it('opens a URL naming one object as that object alone', async () => {
    assert.deepEqual(await keysOf(`s3://${bucket}/logs/2024/one.gz`), {
      root: `s3://${bucket}/logs/2024/one.gz`,
      keys: ['one.gz'],
    });
  });

  it('opens folders, with or without the trailing slash, and the whole bucket', async () => {
    const folder = { root: `s3://${bucket}/logs`, keys: ['2024/one.gz', '2024/one.gz.more'] };
    assert.deepEqual(await keysOf(`s3://${bucket}/logs`), folder);
    assert.deepEqual(await keysOf(`s3://${bucket}/logs/`), folder);
    assert.deepEqual(await keysOf(`s3://${bucket}`), {
      root: `s3://${bucket}`,
      keys: ['logs/2024/one.gz', 'logs/2024/one.gz.more'],
    });
  });
});
