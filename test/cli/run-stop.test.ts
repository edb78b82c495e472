/**
 * Errors that would fail every object alike stop a run at the first one: one message, exit 1, the objects in
 * flight aborted (no multipart upload left open, no output without its completion marker).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeSampleStash } from '../../src/sample/stash.js';
import { inBatches } from '../support/bytes.js';
import { startFlowlake } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { assertEveryOutputMarked } from '../support/files.js';
import { keysUnder, type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';

const flowlake = (args: string[]) => startFlowlake(args).exited;

const stoppedLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('flowlake: '));

describe('errors that doom every object stop the run once', { timeout: 240_000 }, () => {
  let server: S3TestServer;
  let smallKeys: readonly string[];
  const stash = tempDir('flowlake-stop-');
  const source = uniqueBucketName('stop-src');

  before(async () => {
    server = await startS3Server();
    await server.createBucket(source);
    // Many small objects and two whose outputs (~6 MB) go up in several 5 MiB parts.
    const small = await writeSampleStash(join(stash, 'small'), { objects: 60, events: 40, seed: 5 });
    const big = await writeSampleStash(join(stash, 'big'), { objects: 2, events: 250_000, seed: 6 });
    smallKeys = small.keys;
    await inBatches(small.keys, 16, async (key) => {
      await server.putObject(source, `in/small/${key}`, readFileSync(join(stash, 'small', key)));
    });
    for (const key of big.keys) await server.putObject(source, `in/big/${key}`, readFileSync(join(stash, 'big', key)));
  });

  after(async () => {
    await server?.stop();
  });

  it('a missing destination bucket stops the run with one message and exit 1', async () => {
    const missing = uniqueBucketName('no-such');
    const run = await flowlake([
      'convert',
      join(stash, 'small'),
      `s3://${missing}/out`,
      '--endpoint-url',
      server.endpoint,
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(stoppedLines(run.stderr).length, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`^flowlake: stopped: s3://${missing}/.*: no such bucket`, 'm'));
    assert.doesNotMatch(run.stderr, /failed:/);
  });

  for (const [code, says] of [
    ['InvalidAccessKeyId', /the credentials were rejected \(InvalidAccessKeyId\)/],
    ['ExpiredToken', /the credentials have expired/],
  ] as const) {
    it(`credentials refused with ${code} stop the run with one message and exit 1`, async () => {
      const dest = uniqueBucketName('creds');
      await server.createBucket(dest);
      server.denyAccess(dest, { code });
      const run = await flowlake([
        'convert',
        `s3://${source}/in/small`,
        `s3://${dest}/out`,
        '--endpoint-url',
        server.endpoint,
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(stoppedLines(run.stderr).length, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`^flowlake: stopped: s3://${dest}/out/.*: ${says.source}`, 'm'));
    });
  }

  it('access denied on destination writes mid-run aborts the uploads in flight and exits 1', async () => {
    const dest = uniqueBucketName('denied');
    await server.createBucket(dest);
    const proxy = await startFaultProxy(server.endpoint, { seed: 1 });
    let denied = false;
    // Refuse writes once a big output's multipart upload has sent a part: that upload is open right then,
    // and small objects are converting around it.
    proxy.onRequest((method, url) => {
      if (!denied && method === 'PUT' && /[?&]partNumber=/.test(url)) {
        denied = true;
        server.denyAccess(dest, { methods: ['PUT', 'POST'] });
      }
    });
    try {
      const run = await flowlake([
        'convert',
        `s3://${source}/in`,
        `s3://${dest}/out`,
        '--endpoint-url',
        proxy.endpoint,
        '--concurrency',
        '2',
      ]);
      assert.ok(denied, 'no multipart upload sent a part');
      assert.equal(run.code, 1, run.stderr);
      assert.equal(stoppedLines(run.stderr).length, 1, run.stderr);
      assert.match(run.stderr, /^flowlake: stopped: s3:\/\/.*: access denied \(403\)/m);
      assert.deepEqual(await server.listMultipartUploads(dest), []);
      assertEveryOutputMarked(await keysUnder(server, dest, 'out/'));
    } finally {
      await proxy.stop();
    }
  });

  it('access denied reading one source object fails that object only', async () => {
    const dest = uniqueBucketName('one-denied');
    await server.createBucket(dest);
    const refused = uniqueBucketName('refusing-src');
    await server.createBucket(refused);
    const keys = [...smallKeys].sort().slice(0, 5);
    for (const key of keys) await server.putObject(refused, `in/small/${key}`, readFileSync(join(stash, 'small', key)));
    server.denyAccess(refused, { methods: ['GET'], keys: new RegExp(`${keys[2].split('/').pop()}$`) });
    const run = await flowlake([
      'convert',
      `s3://${refused}/in/small`,
      `s3://${dest}/out`,
      '--endpoint-url',
      server.endpoint,
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /stopped/);
    assert.match(run.stderr, /4 converted, 0 skipped \(already complete\), 1 failed of 5 objects/);
    assert.match(run.stderr, /^flowlake: failed: .*: access denied \(403\)/m);
  });
});
