import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { openResumableRead, type RangeFetcher } from '../../src/storage/s3/resumable-read.js';
import { S3AccessError, S3Storage } from '../../src/storage/s3.js';
import { readAll, seededBytes } from '../support/bytes.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';

describe('S3Storage.openRead', { timeout: 120_000 }, () => {
  let server: S3TestServer;
  const bucket = uniqueBucketName('read');
  const objects = new Map<string, Buffer>();

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
    for (let i = 0; i < 6; i++) {
      const body = seededBytes(300_000 + i * 77_777, i);
      objects.set(`in/obj-${i}.bin`, body);
      await server.putObject(bucket, `in/obj-${i}.bin`, body);
    }
    await server.putObject(bucket, 'in/empty', '');
  });

  after(async () => {
    await server.stop();
  });

  it('reads every byte once through a proxy that answers 503 SlowDown and cuts bodies mid-stream', async (t) => {
    const proxy = await startFaultProxy(server.endpoint, { seed: 7, slowDownRate: 0.2, cutRate: 0.5 });
    // Standard retries: adaptive mode would also pace the client after each SlowDown (seconds per test).
    const storage = new S3Storage(
      bucket,
      'in',
      { endpointUrl: proxy.endpoint },
      { resumeBackoffMs: 5, maxResumes: 8, retryMode: 'standard' },
    );
    try {
      for (const [key, expected] of objects) {
        const got = await readAll(await storage.openRead(key.slice('in/'.length)));
        assert.equal(got.length, expected.length, key);
        assert.ok(got.equals(expected), `${key}: bytes differ`);
      }
      assert.ok(proxy.counts.cuts >= 1, `no body was cut: ${JSON.stringify(proxy.counts)}`);
      assert.ok(proxy.counts.slowDowns >= 1, `no 503 was sent: ${JSON.stringify(proxy.counts)}`);
      assert.equal(storage.stats.resumes, proxy.counts.cuts);
      t.diagnostic(`faults injected: ${JSON.stringify(proxy.counts)}, resumes: ${storage.stats.resumes}`);
    } finally {
      await storage.close();
      await proxy.stop();
    }
  });

  it('resumes a body that stalls (bytes stop, connection stays open)', async () => {
    const proxy = await startFaultProxy(server.endpoint, { seed: 3, stallRate: 0.5 });
    const storage = new S3Storage(
      bucket,
      'in',
      { endpointUrl: proxy.endpoint },
      { stallMs: 150, resumeBackoffMs: 5, maxResumes: 8 },
    );
    try {
      const expected = objects.get('in/obj-1.bin')!;
      for (let round = 0; round < 3; round++) {
        const got = await readAll(await storage.openRead('obj-1.bin'));
        assert.ok(got.equals(expected), 'bytes differ');
      }
      assert.ok(proxy.counts.stalls >= 1, `no body stalled: ${JSON.stringify(proxy.counts)}`);
      assert.ok(storage.stats.resumes >= proxy.counts.stalls);
    } finally {
      await storage.close();
      await proxy.stop();
    }
  });

  it('gives up with an error naming the key when every body breaks before any byte of progress', async () => {
    const storage = new S3Storage(bucket, 'in', { endpointUrl: server.endpoint });
    const expected = objects.get('in/obj-2.bin')!;
    let calls = 0;
    // Real GETs; the first body breaks after its first chunk, every later one before its first byte.
    const fetch: RangeFetcher = async (start, etag, signal) => {
      calls += 1;
      const response = await storage.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'in/obj-2.bin', Range: start ? `bytes=${start}-` : undefined }),
        { abortSignal: signal },
      );
      let body = response.Body as Readable;
      if (calls === 1) {
        body.once('data', () => body.destroy(new Error('first body cut by test')));
      } else {
        body.destroy();
        body = new Readable({
          read() {
            this.destroy(new Error('connection reset by test'));
          },
        });
      }
      return {
        body,
        etag: etag ?? response.ETag,
        contentRange: response.ContentRange,
        contentLength: response.ContentLength,
      };
    };
    try {
      const stream = await openResumableRead(fetch, {
        where: `s3://${bucket}/in/obj-2.bin`,
        stallMs: 5_000,
        maxResumes: 3,
        resumeBackoffMs: 1,
      });
      await assert.rejects(readAll(stream), (err: Error) => {
        assert.ok(err instanceof S3AccessError);
        assert.match(
          err.message,
          new RegExp(`^s3://${bucket}/in/obj-2\\.bin: read failed at byte \\d+ of ${expected.length} after 3 resumes`),
        );
        return true;
      });
      assert.equal(calls, 4);
    } finally {
      await storage.close();
    }
  });

  it('fails clearly when the object changes between two parts of a read (If-Match)', async () => {
    const key = 'in/changing.bin';
    await server.putObject(bucket, key, seededBytes(200_000, 11));
    const storage = new S3Storage(bucket, 'in', { endpointUrl: server.endpoint });
    let calls = 0;
    const fetch: RangeFetcher = async (start, etag, signal) => {
      calls += 1;
      if (calls === 2) await server.putObject(bucket, key, seededBytes(200_000, 12)); // changed before the resume
      const response = await storage.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: start ? `bytes=${start}-` : undefined, IfMatch: etag }),
        { abortSignal: signal },
      );
      const body = response.Body as Readable;
      if (calls === 1) body.once('data', () => body.destroy(new Error('cut by test')));
      return { body, etag: response.ETag, contentRange: response.ContentRange, contentLength: response.ContentLength };
    };
    try {
      const stream = await openResumableRead(fetch, {
        where: `s3://${bucket}/${key}`,
        stallMs: 5_000,
        maxResumes: 3,
        resumeBackoffMs: 1,
      });
      await assert.rejects(readAll(stream), (err: Error) => {
        assert.ok(err instanceof S3AccessError);
        assert.equal(err.kind, 'changed');
        assert.equal(
          err.message,
          `s3://${bucket}/${key}: the object changed while it was being read (its ETag no longer matches) — run again`,
        );
        return true;
      });
      assert.equal(calls, 2);
    } finally {
      await storage.close();
    }
  });

  it('refuses to start reading another version than the one listed', async () => {
    const storage = new S3Storage(bucket, 'in', { endpointUrl: server.endpoint });
    try {
      await assert.rejects(storage.openRead('obj-0.bin', { etag: '"0123456789abcdef0123456789abcdef"' }), {
        name: 'S3AccessError',
        kind: 'changed',
      });
      let listed: string | undefined;
      for await (const object of storage.list({ prefixes: ['obj-0'] })) listed = object.etag;
      const got = await readAll(await storage.openRead('obj-0.bin', { etag: listed }));
      assert.ok(got.equals(objects.get('in/obj-0.bin')!));
    } finally {
      await storage.close();
    }
  });

  it('reads an empty object as an empty stream and a missing one as a clear error', async () => {
    const storage = new S3Storage(bucket, 'in', { endpointUrl: server.endpoint });
    try {
      assert.equal((await readAll(await storage.openRead('empty'))).length, 0);
      await assert.rejects(storage.openRead('nope'), {
        name: 'S3AccessError',
        message: `s3://${bucket}/in/nope: no such object (404)`,
      });
    } finally {
      await storage.close();
    }
  });

  it('readSmall and exists', async () => {
    const storage = new S3Storage(bucket, '', { endpointUrl: server.endpoint });
    try {
      assert.deepEqual(await storage.readSmall('in/obj-0.bin'), objects.get('in/obj-0.bin'));
      assert.equal(await storage.readSmall('in/missing'), undefined);
      assert.equal(await storage.exists('in/obj-0.bin'), true);
      assert.equal(await storage.exists('in/missing'), false);
    } finally {
      await storage.close();
    }
  });
});
