/**
 * Acceptance: a Firehose stash converts S3→S3 through a proxy that throttles and breaks connections, with the
 * same rows as converting the same files local→local, every object once, and no multipart upload left behind
 * by a failed object or an aborted run.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { convertObject } from '../../src/convert/object.js';
import { convert } from '../../src/convert/run.js';
import { DEFAULT_CONVERT_OPTIONS } from '../../src/convert/types.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { S3Storage } from '../../src/storage/s3.js';
import { inBatches } from '../support/bytes.js';
import { startFlowlake } from '../support/cli.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { assertEveryOutputMarked, filesUnder } from '../support/files.js';
import { keysUnder, objectsUnder, type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';

const OBJECTS = 1200;

const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

async function getBytes(server: S3TestServer, bucket: string, key: string): Promise<Buffer> {
  const response = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

describe('S3→S3 conversion through a faulty network', { timeout: 240_000 }, () => {
  let server: S3TestServer;
  let proxy: FaultProxy;
  const source = uniqueBucketName('e2e-src');
  const dest = uniqueBucketName('e2e-dst');
  let stash: string;
  let sampleKeys: readonly string[];
  /** One object whose CSV.gz output (~11 MB) spans several 5 MiB parts: parts go out while it is still read. */
  let big: { key: string; body: Buffer };
  const folders: string[] = [];
  const tempDir = (label: string) => {
    const dir = mkdtempSync(join(tmpdir(), label));
    folders.push(dir);
    return dir;
  };

  before(async () => {
    process.env.FLOWLAKE_S3_PART_SIZE_MIB = '5'; // the smallest parts S3 allows, so a big output goes multipart
    server = await startS3Server();
    await server.createBucket(source);
    await server.createBucket(dest);
    stash = tempDir('flowlake-e2e-');
    const sample = await writeSampleStash(stash, { objects: OBJECTS, events: 12, seed: 42 });
    sampleKeys = sample.keys;
    await inBatches(sampleKeys, 16, async (key) => {
      await server.putObject(source, `stash/${key}`, readFileSync(join(stash, key)));
    });
    const bigDir = tempDir('flowlake-e2e-big-');
    const bigSample = await writeSampleStash(bigDir, { objects: 1, events: 400_000, seed: 7 });
    big = { key: bigSample.keys[0], body: readFileSync(join(bigDir, bigSample.keys[0])) };
    proxy = await startFaultProxy(server.endpoint, { seed: 2024, slowDownRate: 0.003, cutRate: 0.02 });
  });

  after(async () => {
    delete process.env.FLOWLAKE_S3_PART_SIZE_MIB;
    await proxy?.stop();
    await server?.stop();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it(`converts ${OBJECTS} objects with the rows of a local run, each once, none failed`, async (t) => {
    const localOut = tempDir('flowlake-e2e-local-');
    const local = await convert(stash, localOut, { concurrency: 2 });
    assert.equal(local.objects.failed, 0);

    const remote = await convert(`s3://${source}/stash`, `s3://${dest}/out`, {
      endpointUrl: proxy.endpoint,
      concurrency: 2,
    });
    assert.deepEqual(remote.objects, { total: OBJECTS, converted: OBJECTS, skipped: 0, failed: 0 });
    assert.deepEqual(remote.failures, []);
    assert.deepEqual(
      remote.results.map((r) => r.key),
      [...sampleKeys].sort(),
    );
    assert.equal(remote.rows, local.rows);
    assert.ok(proxy.counts.cuts >= 1, `no body was cut: ${JSON.stringify(proxy.counts)}`);
    assert.ok(proxy.counts.slowDowns >= 1, `no 503 was answered: ${JSON.stringify(proxy.counts)}`);
    t.diagnostic(`faults injected: ${JSON.stringify(proxy.counts)}`);

    // Same files with the same bytes (ETag = MD5 for single-part objects); where bytes differ, compare rows.
    const localFiles = filesUnder(localOut);
    const remoteObjects = await objectsUnder(server, dest, 'out/');
    const remoteKeys = [...remoteObjects.keys()].sort();
    assert.deepEqual(remoteKeys, localFiles);
    const outputs = localFiles.filter((file) => file.endsWith('.csv.gz'));
    assert.equal(outputs.length, OBJECTS);
    const differing = outputs.filter((file) => remoteObjects.get(file) !== md5(readFileSync(join(localOut, file))));
    await inBatches(differing, 8, async (file) => {
      const remoteCsv = gunzipSync(await getBytes(server, dest, `out/${file}`)).toString();
      const localCsv = gunzipSync(readFileSync(join(localOut, file))).toString();
      assert.equal(remoteCsv, localCsv, file);
    });
    assert.deepEqual(await server.listMultipartUploads(dest), []);
  });

  it('a failed object leaves no output and no multipart upload, even after parts were sent', async () => {
    // Cut inside the last gzip member: the decoder fails only after most rows went out.
    await server.putObject(source, 'broken/big', big.body.subarray(0, big.body.length - 50));
    const watch = await startFaultProxy(server.endpoint, { seed: 1 });
    const from = new S3Storage(source, 'broken', { endpointUrl: server.endpoint });
    const to = new S3Storage(dest, 'failed', { endpointUrl: watch.endpoint });
    try {
      let object: { key: string; size: number; etag: string } | undefined;
      for await (const info of from.list()) object = info;
      const result = await convertObject({ source: from, dest: to, object: object!, options: DEFAULT_CONVERT_OPTIONS });
      assert.equal(result.status, 'failed');
      assert.match(result.error ?? '', /truncated|unexpected end|gzip/i);
      assert.ok(watch.counts.multipartStarts >= 1, `the output never went multipart: ${JSON.stringify(watch.counts)}`);
      assert.deepEqual(await keysUnder(server, dest, 'failed/'), []);
      assert.deepEqual(await server.listMultipartUploads(dest), []);
    } finally {
      await from.close();
      await to.close();
      await watch.stop();
    }
  });

  it('an aborted run leaves no multipart upload and no partial output', async () => {
    await server.putObject(source, `abort/${big.key}`, big.body);
    await inBatches(sampleKeys.slice(0, 40), 16, async (key) => {
      await server.putObject(source, `abort/${key}`, readFileSync(join(stash, key)));
    });
    const watch = await startFaultProxy(server.endpoint, { seed: 1 });
    const controller = new AbortController();
    // Largest first: the big object goes first; abort when its output sends its first part, about half-way
    // through reading it, so the abort lands while its multipart upload is open.
    watch.onRequest((method, url) => {
      if (method === 'PUT' && /[?&]partNumber=/.test(url) && !controller.signal.aborted) controller.abort();
    });
    const report = await convert(`s3://${source}/abort`, `s3://${dest}/aborted`, {
      endpointUrl: watch.endpoint,
      concurrency: 2,
      signal: controller.signal,
    });
    try {
      assert.ok(controller.signal.aborted, `the run sent no part: ${JSON.stringify(watch.counts)}`);
      assert.deepEqual(await server.listMultipartUploads(dest), []);
      // Nothing partial: an object has outputs only if it completed (marker written), as the report says.
      const left = await keysUnder(server, dest, 'aborted/');
      const completed = new Set(report.results.filter((r) => r.status === 'converted').map((r) => r.key));
      assertEveryOutputMarked(left);
      for (const key of left.filter((k) => k.endsWith('.csv.gz'))) {
        const source = key.slice(0, -'.csv.gz'.length);
        assert.ok(completed.has(source), `${key} exists but its object did not complete`);
      }
      const bigResult = report.results.find((r) => r.key === big.key);
      assert.equal(bigResult?.status, 'failed', 'the big object was aborted while it was read');
      assert.ok(!left.includes(`${big.key}.csv.gz`));
    } finally {
      await watch.stop();
    }
  });

  it('Ctrl-C on the flowlake command aborts in-flight uploads and exits 130', async () => {
    await server.putObject(source, `sigint/${big.key}`, big.body);
    const watch = await startFaultProxy(server.endpoint, { seed: 3 });
    const { child, exited } = startFlowlake([
      'convert',
      `s3://${source}/sigint`,
      `s3://${dest}/sigint`,
      '--endpoint-url',
      watch.endpoint,
    ]);
    let interrupted = false;
    // Interrupt once the output's multipart upload has sent a part: the upload is open at that moment.
    watch.onRequest((method, url) => {
      if (method === 'PUT' && /[?&]partNumber=/.test(url) && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const { code, stderr } = await exited;
    try {
      assert.ok(interrupted, `the run sent no part: ${JSON.stringify(watch.counts)}`);
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted, discarding unfinished outputs/);
      assert.deepEqual(await server.listMultipartUploads(dest), []);
      assert.ok(!(await keysUnder(server, dest, 'sigint/')).includes(`${big.key}.csv.gz`));
    } finally {
      await watch.stop();
    }
  });
});
