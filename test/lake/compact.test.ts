/**
 * `compactLake` over a local lake written by `convert --to parquet --layout hive`: the same rows before and
 * after, few sorted files with the statistics engines prune by, nothing done twice, late rows merged in.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { convert } from '../../src/convert/run.js';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import { compactLake } from '../../src/lake/compact.js';
import { balancedRowGroupRows, MIN_ROW_GROUP_ROWS } from '../../src/lake/compact-day.js';
import { parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { acquireLock } from '../../src/lake/lock.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { LocalStorage } from '../../src/storage/local.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { tempDir } from '../support/temp-dir.js';

/** 2020-02-01T22:40Z: the objects of a stash cross midnight, so every account has two days. */
const LATE_EVENING = 1_580_596_800;

async function stash(seed: number, objects = 100): Promise<string> {
  const dir = tempDir();
  await writeSampleStash(dir, { objects, events: 200, seed, startTime: LATE_EVENING });
  return dir;
}

async function lakeOf(...stashes: string[]): Promise<string> {
  const lake = tempDir();
  for (const src of stashes) {
    const report = await convert(src, lake, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 2 });
    assert.equal(report.objects.failed, 0);
  }
  return lake;
}

const dataFiles = (lake: string) => filesUnder(lake).filter((f) => f.endsWith('.parquet'));
const compactedFiles = (lake: string) => dataFiles(lake).filter((f) => parseCompactedKey(f));
const recentFiles = (lake: string) => dataFiles(lake).filter((f) => parseRecentKey(f));

describe('compactLake', () => {
  it('merges each account/region/day into one file, with the same rows, sums and row hash', async () => {
    const src = await stash(11);
    const lake = await lakeOf(src);
    const before = await flowsDigest(lake);
    assert.equal(before.rows, 20_000);
    assert.deepEqual(await flowsDigest(src, tempDir()), before, 'the lake holds the stash');
    const recent = recentFiles(lake);
    const days = new Set(recent.map((f) => f.replace(/\/hour=.*$/, '')));
    assert.ok(days.size >= 4, `several days (${days.size})`);

    const report = await compactLake(new LocalStorage(lake));
    assert.deepEqual(report.days, { compacted: days.size, unchanged: 0, failed: 0 });
    assert.equal(report.filesIn, recent.length);
    assert.equal(report.filesOut, days.size);
    assert.equal(report.rows, 20_000);
    assert.equal(report.retiredDeleted, recent.length, 'a local lake deletes what compaction replaced at once');
    assert.deepEqual(recentFiles(lake), []);
    assert.equal(compactedFiles(lake).length, days.size);
    assert.deepEqual(await flowsDigest(lake), before);
  });

  it('writes files sorted by start, with min/max statistics, encoding_stats and the codec asked for', async () => {
    const lake = await lakeOf(await stash(12));
    await compactLake(new LocalStorage(lake), { compression: 'gzip' });
    for (const key of compactedFiles(lake)) {
      const bytes = readFileSync(join(lake, key));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
      const metadata = parquetMetadata(buffer);
      assert.match(metadata.created_by ?? '', /^flowlake/);
      const rows = await parquetReadObjects({ file: buffer, columns: ['start'], compressors: PAGE_DECOMPRESSORS });
      const starts = rows.map((r) => Number(r.start));
      assert.ok(
        starts.every((s, i) => i === 0 || starts[i - 1] <= s),
        `${key}: rows sorted by start`,
      );
      const startColumn = metadata.schema.findIndex((s) => s.name === 'start') - 1;
      for (const group of metadata.row_groups) {
        for (const chunk of group.columns) {
          const meta = chunk.meta_data;
          assert.ok(meta, `${key}: chunk metadata`);
          assert.equal(meta.codec, 'GZIP', `${key}: codec`);
          assert.ok(
            (meta.encoding_stats ?? []).length > 0,
            `${key}: ${meta.path_in_schema.join('.')} has encoding_stats`,
          );
        }
        const stats = group.columns[startColumn].meta_data?.statistics;
        assert.equal(Number(stats?.min_value), starts[0], `${key}: start min`);
        assert.equal(Number(stats?.max_value), starts.at(-1), `${key}: start max`);
      }
    }
  });

  it('is idempotent: a second run changes nothing', async () => {
    const lake = await lakeOf(await stash(13));
    await compactLake(new LocalStorage(lake));
    const files = filesUnder(lake);
    const sizes = files.map((f) => statSync(join(lake, f)).size);
    const second = await compactLake(new LocalStorage(lake));
    assert.equal(second.days.compacted, 0);
    assert.equal(second.days.unchanged, compactedFiles(lake).length);
    assert.equal(second.filesOut, 0);
    assert.deepEqual(filesUnder(lake), files);
    assert.deepEqual(
      files.map((f) => statSync(join(lake, f)).size),
      sizes,
    );
  });

  it('takes late rows for a compacted day into a new generation of that day, every row once', async () => {
    const first = await stash(14);
    const late = await stash(15, 40);
    const lake = await lakeOf(first);
    await compactLake(new LocalStorage(lake));
    const generation1 = new Set(compactedFiles(lake));

    // A second run brings rows for days that are compacted already: the lake reads both, once each.
    const report = await convert(late, lake, { to: ['parquet'], layout: 'hive', region: 'eu-west-1' });
    assert.equal(report.rows, 8_000);
    const expected = await flowsDigest(await lakeOf(first, late));
    assert.equal(expected.rows, 28_000);
    assert.deepEqual(await flowsDigest(lake), expected);

    const again = await compactLake(new LocalStorage(lake));
    assert.ok(again.days.compacted > 0);
    assert.deepEqual(recentFiles(lake), []);
    const generation2 = compactedFiles(lake);
    assert.equal(generation2.length, generation1.size, 'still one file per day');
    const renewed = generation2.filter((f) => !generation1.has(f));
    assert.equal(
      renewed.length,
      again.days.compacted,
      'each day with late rows has a new file; the others kept theirs',
    );
    assert.deepEqual(await flowsDigest(lake), expected);
  });

  it('only compacts the days in --since/--until', async () => {
    const lake = await lakeOf(await stash(16));
    const before = await flowsDigest(lake);
    const report = await compactLake(new LocalStorage(lake), { since: '20200202', until: '20200202' });
    assert.ok(report.days.compacted > 0);
    assert.ok(compactedFiles(lake).every((f) => f.includes('/day=02/')));
    assert.ok(recentFiles(lake).length > 0 && recentFiles(lake).every((f) => f.includes('/day=01/')));
    assert.deepEqual(await flowsDigest(lake), before);
  });

  it('compacts named days only, and runs over disjoint days at once, each publishing its own days', async () => {
    const lake = await lakeOf(await stash(17));
    const before = await flowsDigest(lake);
    const [first, second] = await Promise.all([
      compactLake(new LocalStorage(lake), { days: ['20200201'] }),
      compactLake(new LocalStorage(lake), { days: ['20200202'] }),
    ]);
    assert.ok(first.days.compacted > 0 && second.days.compacted > 0);
    assert.deepEqual([...first.failures, ...second.failures], []);
    assert.deepEqual(recentFiles(lake), []);
    const states = filesUnder(lake).filter((f) => f.startsWith('lake-state/'));
    assert.equal(states.length, first.days.compacted + second.days.compacted, 'one state object per day');
    assert.deepEqual(await flowsDigest(lake), before);
  });

  it('leaves a day another compaction holds, names it, and compacts the rest', async () => {
    const lake = await lakeOf(await stash(18));
    const before = await flowsDigest(lake);
    const held = recentFiles(lake)
      .map((f) => parseRecentKey(f))
      .find((f) => f?.day === '20200201');
    assert.ok(held);
    const lock = await acquireLock(
      new LocalStorage(lake),
      `compact-${held.account}_${held.region}_${held.day}`,
      'another compaction',
    );
    try {
      const report = await compactLake(new LocalStorage(lake));
      assert.equal(report.days.failed, 1);
      assert.match(report.failures[0].error, /locked by another compaction/);
      assert.ok(report.days.compacted > 0);
      assert.ok(recentFiles(lake).every((f) => parseRecentKey(f)?.account === held.account && f.includes('/day=01/')));
    } finally {
      await lock.release();
    }
    assert.deepEqual(await flowsDigest(lake), before);
    await compactLake(new LocalStorage(lake));
    assert.deepEqual(recentFiles(lake), []);
    assert.deepEqual(await flowsDigest(lake), before);
  });

  it('cuts a day at the target size into files of whole row groups', async () => {
    const lake = await lakeOf(await stash(17, 150));
    const before = await flowsDigest(lake);
    const report = await compactLake(new LocalStorage(lake), { targetBytes: 32 * 1024, rowGroupRows: 2000 });
    const files = compactedFiles(lake);
    assert.equal(report.filesOut, files.length);
    assert.ok(files.length > report.days.compacted, `${files.length} files for ${report.days.compacted} days`);
    for (const key of files) {
      const bytes = readFileSync(join(lake, key));
      assert.ok(bytes.length < 32 * 1024 + 200 * 1024, `${key}: cut soon after the target`);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
      const groups = parquetMetadata(buffer).row_groups.map((g) => Number(g.num_rows));
      assert.ok(
        groups.slice(0, -1).every((n) => n === 2000),
        `${key}: whole row groups (${groups})`,
      );
    }
    assert.deepEqual(await flowsDigest(lake), before);
  });

  it('sizes row groups at 100k rows or more, evenly (one group when the day has fewer rows)', () => {
    assert.equal(balancedRowGroupRows(20_000), 20_000);
    assert.equal(balancedRowGroupRows(MIN_ROW_GROUP_ROWS), MIN_ROW_GROUP_ROWS);
    assert.equal(balancedRowGroupRows(199_999), 199_999);
    assert.equal(balancedRowGroupRows(250_000), 125_000);
    assert.equal(balancedRowGroupRows(1_000_001), 100_001);
  });
});
