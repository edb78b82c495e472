/**
 * Faults around compaction (DESIGN §10): a folder that is not a lake, a foreign or corrupt file, a second
 * compaction at once, and compactions that die half-way — the lake reads every row once throughout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { convert } from '../../src/convert/run.js';
import { compactLake } from '../../src/lake/compact.js';
import { parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { acquireLock } from '../../src/lake/lock.js';
import { STATE_PREFIX } from '../../src/lake/state.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { LocalStorage } from '../../src/storage/local.js';
import { flowlake } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { tempDir } from '../support/temp-dir.js';

const LATE_EVENING = 1_580_596_800;

async function lake(objects = 100, seed = 21): Promise<string> {
  const src = tempDir();
  await writeSampleStash(src, { objects, events: 200, seed, startTime: LATE_EVENING });
  const dir = tempDir();
  const report = await convert(src, dir, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
  assert.equal(report.objects.failed, 0);
  return dir;
}

const dataFiles = (dir: string) => filesUnder(dir).filter((f) => f.endsWith('.parquet'));
const snapshot = (dir: string) => filesUnder(dir).map((f) => `${f} ${statSync(join(dir, f)).size}`);

/**
 * A lake whose state writes (after the first `stateWrites`) or file deletions fail: a compaction that dies at
 * that step.
 */
class FailingLake extends LocalStorage {
  private stateWrites = 0;

  constructor(
    root: string,
    private readonly fail: { stateAfter?: number; remove?: boolean },
  ) {
    super(root);
  }

  override async writeSmall(key: string, body: string | Buffer, options?: Parameters<LocalStorage['writeSmall']>[2]) {
    if (
      key.startsWith(STATE_PREFIX) &&
      this.fail.stateAfter !== undefined &&
      this.stateWrites++ >= this.fail.stateAfter
    ) {
      throw new Error('disk full (test)');
    }
    return super.writeSmall(key, body, options);
  }

  override async remove(key: string) {
    if (this.fail.remove && (parseRecentKey(key) || parseCompactedKey(key))) throw new Error('I/O error (test)');
    return super.remove(key);
  }
}

describe('compact refuses what is not its own, and changes nothing', () => {
  it('a folder without flowlake bookkeeping: exit 1, named', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const r = flowlake('compact', dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a flowlake lake \(no _flowlake\/ bookkeeping\)/);
    assert.deepEqual(filesUnder(dir), ['notes.txt']);
  });

  it('a Parquet file of another writer in an hour: exit 1 naming it, every file as it was', async () => {
    const dir = await lake();
    const hourFile = dataFiles(dir).find((f) => parseRecentKey(f));
    assert.ok(hourFile);
    const foreign = join(dir, dirname(hourFile), 'exported-by-spark.parquet');
    // Parquet of another writer (DuckDB), under a name the lake's own files could have.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(`COPY (SELECT 1 AS a, 'x' AS b) TO '${foreign.replaceAll("'", "''")}' (FORMAT parquet)`);
    connection.closeSync();
    const before = snapshot(dir);

    const r = flowlake('compact', dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing was changed/);
    assert.match(r.stderr, /exported-by-spark\.parquet/);
    assert.deepEqual(snapshot(dir), before);
  });

  it('a second compaction while one runs: refused, naming the holder', async () => {
    const dir = await lake(20);
    const held = await acquireLock(new LocalStorage(dir), 'compact', 'flowlake compact');
    try {
      const before = snapshot(dir);
      const r = flowlake('compact', dir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`locked by flowlake compact \\(pid ${process.pid} on `));
      assert.deepEqual(snapshot(dir), before);
    } finally {
      await held.release();
    }
  });
});

describe('a corrupt file', () => {
  it('leaves its day as it was, named on stderr and in the report, exit 1; the other days compact', async () => {
    const dir = await lake();
    const recent = dataFiles(dir).filter((f) => parseRecentKey(f));
    const victim = recent[0];
    const victimDay = victim.replace(/\/hour=.*$/, '');
    const dayFiles = () => filesUnder(dir).filter((f) => f.startsWith(`${victimDay}/`));
    truncateSync(join(dir, victim), Math.floor(statSync(join(dir, victim)).size / 2));
    const before = dayFiles().map((f) => `${f} ${statSync(join(dir, f)).size}`);
    const reportFile = join(tempDir(), 'report.json');

    const r = flowlake('compact', dir, '--report', reportFile);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`day left as it was: .*${victim.split('/').at(-1)?.replaceAll('.', '\\.')}`));
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    assert.equal(report.days.failed, 1);
    assert.equal(report.failures.length, 1);
    assert.ok(report.days.compacted >= 3, `other days compacted (${report.days.compacted})`);
    assert.deepEqual(
      dayFiles().map((f) => `${f} ${statSync(join(dir, f)).size}`),
      before,
    );
    assert.equal(
      dataFiles(dir).filter((f) => parseRecentKey(f) && !f.startsWith(`${victimDay}/`)).length,
      0,
      'every other day is compacted',
    );
  });
});

describe('a compaction that dies half-way', () => {
  it('before it publishes: its files stay invisible, and the next run removes them and completes', async () => {
    const dir = await lake();
    const expected = await flowsDigest(dir);
    await assert.rejects(compactLake(new FailingLake(dir, { stateAfter: 1 })), /disk full/);
    assert.ok(
      dataFiles(dir).some((f) => parseCompactedKey(f)),
      'files were written',
    );
    assert.deepEqual(await flowsDigest(dir), expected);

    const report = await compactLake(new LocalStorage(dir));
    assert.ok(report.orphansRemoved > 0, 'the dead run’s files are removed');
    assert.deepEqual(await flowsDigest(dir), expected);
    assert.equal(dataFiles(dir).filter((f) => parseRecentKey(f)).length, 0);
  });

  it('after it publishes, before it deletes: the replaced files are retired, never read twice', async () => {
    const dir = await lake();
    const expected = await flowsDigest(dir);
    const days = new Set(dataFiles(dir).map((f) => f.replace(/\/hour=.*$/, ''))).size;
    await assert.rejects(compactLake(new FailingLake(dir, { remove: true })), /I\/O error/);
    const published = dataFiles(dir).filter((f) => parseCompactedKey(f)).length;
    assert.equal(published, 1, 'the first day published, then its deletion failed and stopped the run');
    assert.ok(
      dataFiles(dir).some((f) => parseRecentKey(f)),
      'the replaced files are still there',
    );
    assert.deepEqual(await flowsDigest(dir), expected);

    const report = await compactLake(new LocalStorage(dir));
    assert.ok(report.retiredDeleted > 0, 'the retired files are deleted');
    assert.equal(
      report.days.compacted,
      days - 1,
      'the days the failure stopped compact now; the first is not merged again',
    );
    assert.equal(dataFiles(dir).filter((f) => parseRecentKey(f)).length, 0);
    assert.deepEqual(await flowsDigest(dir), expected);
  });

  it('killed (SIGKILL) at any moment: every row once after each kill, and once more when completed', async () => {
    const dir = await lake(300, 22);
    const expected = await flowsDigest(dir);
    let killedMidway = 0;
    for (const delay of [150, 350, 550, 800, 1100, 1500]) {
      const child = spawn(process.execPath, ['bin/flowlake.js', 'compact', dir, '--quiet', '--target-size', '1'], {
        stdio: 'ignore',
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const [code, signal] = await once(child, 'exit');
      clearTimeout(timer);
      if (signal === 'SIGKILL') killedMidway++;
      else assert.equal(code, 0);
      assert.deepEqual(await flowsDigest(dir), expected, `after a kill at ${delay} ms`);
      // Late rows arrive between the kills, so every run has work to do.
      if (signal !== 'SIGKILL') break;
      const more = tempDir();
      await writeSampleStash(more, { objects: 5, events: 200, seed: delay, startTime: LATE_EVENING });
      await convert(more, dir, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
      const grown = await flowsDigest(dir);
      assert.equal(grown.rows, expected.rows + 1000);
      Object.assign(expected, grown);
    }
    assert.ok(killedMidway > 0, 'at least one run was killed before it ended');
    const r = flowlake('compact', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await flowsDigest(dir), expected);
    assert.equal(dataFiles(dir).filter((f) => parseRecentKey(f)).length, 0);
  });
});

describe("a reader that lists a day's files before the last is committed", () => {
  /** What the lake sees happen, in order: compacted files committed, states written, and compaction's waits. */
  class RecordingLake extends LocalStorage {
    readonly events: string[] = [];

    override writeAtomic(key: string, options?: Parameters<LocalStorage['writeAtomic']>[1]) {
      const write = super.writeAtomic(key, options);
      return {
        ...write,
        commit: async () => {
          await write.commit();
          if (key.startsWith('compacted/')) this.events.push(`file ${dayOf(key)}`);
        },
      };
    }

    override async writeSmall(key: string, body: string | Buffer, options?: Parameters<LocalStorage['writeSmall']>[2]) {
      await super.writeSmall(key, body, options);
      if (key.startsWith(STATE_PREFIX)) {
        const published = /^generation,[^,]*,[^,]*,\d{8},[^,]+,/m.test(String(body));
        this.events.push(`${published ? 'publish' : 'state'} ${key.slice(STATE_PREFIX.length, -'.csv'.length)}`);
      }
    }
  }
  /** `compacted/…/year=Y/month=M/day=D/…` → `<account>_<region>_YYYYMMDD`, as state keys name days. */
  const dayOf = (key: string) => {
    const parsed = parseCompactedKey(key);
    assert.ok(parsed, key);
    return `${parsed.account}_${parsed.region}_${parsed.day}`;
  };

  it('finds every file there: a day publishes only once its new files have existed for the publish delay', async () => {
    const dir = await lake();
    const expected = await flowsDigest(dir);
    const recording = new RecordingLake(dir);
    const report = await compactLake(recording, {
      publishDelayMs: 30_000,
      sleep: async (ms) => {
        recording.events.push(`wait ${ms}`);
      },
    });
    assert.ok(report.days.compacted >= 2);
    // A day's first state with its generation publishes it (the next ones drop the files it deleted).
    const publishes = [...new Set(recording.events.filter((e) => e.startsWith('publish ')))];
    assert.equal(publishes.length, report.days.compacted);
    for (const publish of publishes) {
      const day = publish.slice('publish '.length);
      const at = recording.events.indexOf(publish);
      const lastFile = recording.events.lastIndexOf(`file ${day}`);
      assert.ok(lastFile >= 0 && lastFile < at, `${day}: its files before its publication`);
      const waited = recording.events.slice(lastFile + 1, at).includes('wait 30000');
      assert.ok(waited, `${day}: a wait of the publish delay between its last file and its publication`);
    }
    assert.deepEqual(await flowsDigest(dir), expected);
  });
});

describe('convert killed at random points', () => {
  it('leaves a lake that reads each row at most once, and a re-run completes it exactly once', async () => {
    const src = tempDir();
    await writeSampleStash(src, { objects: 200, events: 200, seed: 23, startTime: LATE_EVENING });
    const cache = tempDir();
    const expected = await flowsDigest(src, cache);
    // The sample, like a real stash, can hold the same record twice: those may appear twice, no other.
    const repeatedInStash = await repeatedRows(src, cache);
    const dir = tempDir();
    const env = { ...process.env, FLOWLAKE_CHECKPOINT_ROWS: '3000' };
    let killed = 0;
    for (const delay of [300, 600, 900, 1300]) {
      const child = spawn(
        process.execPath,
        ['bin/flowlake.js', 'convert', src, dir, '--to', 'parquet', '--layout', 'hive', '--quiet'],
        { stdio: 'ignore', env },
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const [, signal] = await once(child, 'exit');
      clearTimeout(timer);
      if (signal === 'SIGKILL') killed++;
      if (dataFiles(dir).length > 0) {
        const seen = await flowsDigest(dir);
        assert.ok(seen.rows <= expected.rows, `after a kill at ${delay} ms: ${seen.rows} rows`);
        for (const [row, count] of await repeatedRows(dir)) {
          assert.ok(count <= (repeatedInStash.get(row) ?? 1), `after a kill at ${delay} ms: ${row} ${count} times`);
        }
      }
    }
    assert.ok(killed > 0, 'at least one run was killed before it ended');
    const r = flowlake('convert', src, dir, '--to', 'parquet', '--layout', 'hive', '--quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await flowsDigest(dir), expected);
    const c = flowlake('compact', dir);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(await flowsDigest(dir), expected);
  });
});

/** Rows that appear more than once in the `flows` view over `src`, with how many times. */
async function repeatedRows(src: string, cache?: string): Promise<Map<string, number>> {
  const { openFlows } = await import('../../src/query/index.js');
  const session = await openFlows(src, { cache });
  try {
    const r = await session.query(
      `SELECT concat_ws('|', interface_id, srcaddr, dstaddr, srcport, dstport, protocol, start, "end", bytes, packets, action) AS row,
              count(*) AS n
       FROM flows GROUP BY ALL HAVING count(*) > 1`,
      0,
    );
    return new Map(
      r.rows.map((row) => [String((row as Record<string, unknown>).row), Number((row as Record<string, unknown>).n)]),
    );
  } finally {
    await session.close();
  }
}
