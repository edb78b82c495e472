import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { S3Storage } from '../../src/storage/s3.js';
import { readAll, seededBytes } from '../support/bytes.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';

const MiB = 1024 * 1024;

async function writeChunks(stream: Writable, body: Buffer, chunkSize = 256 * 1024): Promise<void> {
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    if (!stream.write(body.subarray(offset, offset + chunkSize))) await once(stream, 'drain');
  }
}

describe('S3Storage.writeAtomic', { timeout: 120_000 }, () => {
  let server: S3TestServer;
  let storage: S3Storage;
  const bucket = uniqueBucketName('write');

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
    storage = new S3Storage(bucket, 'out', { endpointUrl: server.endpoint }, { partSize: 5 * MiB, queueSize: 2 });
  });

  after(async () => {
    await storage.close();
    await server.stop();
  });

  it('makes a multipart object visible only on commit, with its metadata', async () => {
    const body = seededBytes(12 * MiB + 123, 1);
    const write = storage.writeAtomic('big/x.csv.gz', {
      contentType: 'application/gzip',
      metadata: { 'source-etag': '"abc123"', 'converter-version': '0.1.0' },
    });
    await writeChunks(write.stream, body);
    write.stream.end();
    await once(write.stream, 'finish');
    assert.equal(await storage.exists('big/x.csv.gz'), false, 'visible before commit');
    await write.commit();
    assert.deepEqual(await storage.metadata('big/x.csv.gz'), {
      'source-etag': '"abc123"',
      'converter-version': '0.1.0',
    });
    assert.ok((await readAll(await storage.openRead('big/x.csv.gz'))).equals(body));
    assert.deepEqual(await server.listMultipartUploads(bucket), []);
  });

  it('writes a small object with one PUT on commit', async () => {
    const write = storage.writeAtomic('small.json', { metadata: { 'source-etag': '"e"' } });
    write.stream.end('{"ok":true}');
    await write.commit();
    assert.equal((await storage.readSmall('small.json'))?.toString(), '{"ok":true}');
    assert.deepEqual(await storage.metadata('small.json'), { 'source-etag': '"e"' });
  });

  it('abort after parts were uploaded leaves no object and no multipart upload', async () => {
    const write = storage.writeAtomic('aborted/big.bin');
    await writeChunks(write.stream, seededBytes(11 * MiB, 2));
    // Wait until the multipart upload exists on the server, so the abort has something to clean up.
    while ((await server.listMultipartUploads(bucket)).length === 0) await new Promise((r) => setTimeout(r, 20));
    await write.abort();
    await write.abort(); // twice is fine
    assert.deepEqual(await server.listMultipartUploads(bucket), []);
    assert.equal(await storage.exists('aborted/big.bin'), false);
    await assert.rejects(write.commit(), /aborted/);
  });

  it('abort after a failed commit, and a stream destroyed with an error, leave nothing behind', async () => {
    const write = storage.writeAtomic('failed/big.bin');
    await writeChunks(write.stream, seededBytes(6 * MiB, 3));
    write.stream.destroy(new Error('encoder failed'));
    write.stream.on('error', () => {});
    await assert.rejects(write.commit(), /aborted/);
    await write.abort();
    assert.deepEqual(await server.listMultipartUploads(bucket), []);
    assert.equal(await storage.exists('failed/big.bin'), false);
  });

  it('abort before anything was sent creates nothing', async () => {
    const write = storage.writeAtomic('never.bin');
    write.stream.write('a little');
    await write.abort();
    assert.equal(await storage.exists('never.bin'), false);
  });

  it('writeSmall stores bytes and metadata', async () => {
    await storage.writeSmall('_flowlake/done/a.json', '{"done":1}', { metadata: { 'source-etag': '"x"' } });
    assert.equal((await storage.readSmall('_flowlake/done/a.json'))?.toString(), '{"done":1}');
    assert.deepEqual(await storage.metadata('_flowlake/done/a.json'), { 'source-etag': '"x"' });
  });

  it('completes multipart uploads through a proxy answering 503 SlowDown', async () => {
    const proxy = await startFaultProxy(server.endpoint, { seed: 5, slowDownRate: 0.3 });
    const faulty = new S3Storage(
      bucket,
      'out',
      { endpointUrl: proxy.endpoint },
      { partSize: 5 * MiB, queueSize: 2, retryMode: 'standard' },
    );
    try {
      const body = seededBytes(11 * MiB, 4);
      const write = faulty.writeAtomic('throttled.bin');
      await writeChunks(write.stream, body);
      write.stream.end();
      await write.commit();
      assert.ok(proxy.counts.slowDowns >= 1, JSON.stringify(proxy.counts));
      assert.ok((await readAll(await storage.openRead('throttled.bin'))).equals(body));
      assert.deepEqual(await server.listMultipartUploads(bucket), []);
    } finally {
      await faulty.close();
      await proxy.stop();
    }
  });
});
