/**
 * Writes that the file system refuses half-way (DESIGN §10: "disk full while writing → no partial file
 * visible"). The real command runs under a file size limit (`ulimit -f`): the kernel then fails the write that
 * passes it with EFBIG, as a full disk fails one with ENOSPC, part of the file written. Each run must fail,
 * say so, leave no file of its own behind and change nothing a reader sees; run again with room, it completes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { convert } from '../../src/convert/run.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { TEMP_PREFIX } from '../../src/storage/key-names.js';
import { flowlake } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { tempDir } from '../support/temp-dir.js';

const LATE_EVENING = 1_580_596_800;
const BLOCK = 512; // ulimit -f counts 512-byte blocks

/** The built command with no file it writes allowed past `maxBytes`. */
function flowlakeWithFileLimit(maxBytes: number, ...args: string[]) {
  const blocks = Math.floor(maxBytes / BLOCK);
  const r = spawnSync(
    'sh',
    ['-c', `ulimit -f ${blocks} && exec "$0" bin/flowlake.js "$@"`, process.execPath, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { code: r.status, stderr: r.stderr };
}

async function stash(seed: number): Promise<string> {
  const src = tempDir();
  await writeSampleStash(src, { objects: 120, events: 200, seed, startTime: LATE_EVENING });
  return src;
}

/** Files being written are hidden temp files beside their final name (storage/local.ts): none may remain. */
function assertNoTempFiles(dir: string): void {
  const temps = filesUnder(dir).filter((f) => basename(f).startsWith(TEMP_PREFIX));
  assert.deepEqual(temps, [], 'no temp file is left behind');
}

const sizes = (dir: string) => filesUnder(dir).map((f) => statSync(join(dir, f)).size);
const dataFiles = (dir: string) => filesUnder(dir).filter((f) => f.endsWith('.parquet'));

describe('a write the file system refuses half-way', () => {
  it('compact: exits 1 naming the error, leaves the day it could not write as it was, completes once there is room', async () => {
    const src = await stash(31);
    const dir = tempDir();
    const report = await convert(src, dir, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
    assert.equal(report.objects.failed, 0);
    const before = filesUnder(dir);
    const expected = await flowsDigest(dir);
    // Room for any file the lake holds now, not for a day's rows in one file.
    const limit = (Math.floor(Math.max(...sizes(dir)) / BLOCK) + 1) * BLOCK;

    const refused = flowlakeWithFileLimit(limit, 'compact', dir, '--quiet');
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /writing \S+\/compacted\/\S+\.parquet: EFBIG/, 'names the file and what is wrong');
    assertNoTempFiles(dir);
    assert.ok(!filesUnder(dir).some((f) => f.includes('/locks/')), 'the locks are released');
    // The days that fit are compacted; the one that did not is left as it was, its recent files all there.
    const recentLeft = dataFiles(dir).filter((f) => f.startsWith('AWSLogs/'));
    assert.ok(recentLeft.length > 0 && recentLeft.every((f) => before.includes(f)));
    assert.deepEqual(await flowsDigest(dir), expected);

    const done = flowlake('compact', dir, '--quiet');
    assert.equal(done.code, 0, done.stderr);
    assert.ok(dataFiles(dir).every((f) => f.startsWith('compacted/')));
    assert.deepEqual(await flowsDigest(dir), expected);
  });

  it('convert: fails the objects it could not write, shows none of their rows, and converts them on the next run', async () => {
    // Twelve big objects within one hour: each run's data files hold thousands of rows (hundreds of KB), while
    // its bookkeeping (markers, a checkpoint record of twelve objects) stays a few KB, whatever the lanes do.
    const src = tempDir();
    await writeSampleStash(src, { objects: 12, events: 5000, seed: 32, startTime: LATE_EVENING });
    const clean = tempDir();
    // Two lanes on any machine, so that each data file holds half a lane's rows of an account, as measured here.
    const lanes = { concurrency: 2 };
    const reference = await convert(src, clean, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', ...lanes });
    assert.equal(reference.objects.failed, 0);
    const expected = await flowsDigest(clean);
    const limit = 64 * 1024;
    const smallestData = Math.min(...dataFiles(clean).map((f) => statSync(join(clean, f)).size));
    assert.ok(smallestData > 2 * limit, `data files of ${smallestData} bytes would fit under the limit`);

    const dir = tempDir();
    const args = ['convert', src, dir, '--to', 'parquet', '--layout', 'hive', '--region', 'eu-west-1'];
    args.push('--concurrency', String(lanes.concurrency), '--quiet');
    const refused = flowlakeWithFileLimit(limit, ...args);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /not published: writing \S+\/AWSLogs\/\S+\.parquet: EFBIG/);
    assert.deepEqual(dataFiles(dir), [], 'no data file, whole or partial, is visible');
    assertNoTempFiles(dir);

    const done = flowlake(...args);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(await flowsDigest(dir), expected);
  });
});
