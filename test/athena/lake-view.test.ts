/**
 * The Athena `flows` view over the lake reads every row once: before compaction, after it (the replaced files
 * still there, in their grace), with late rows for a compacted day, with files of a generation that never went
 * live, and after a second compaction. No Athena runs here: the view's text runs in DuckDB over the lake on disk,
 * each table emulated as Athena reads it (every file under its location, with `"$path"`), the few Trino functions
 * DuckDB spells differently rewritten.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { lakeTables, lakeViewSql } from '../../src/athena/lake.js';
import { convert } from '../../src/convert/run.js';
import { resolveFormat } from '../../src/formats/format.js';
import { compactLake } from '../../src/lake/compact.js';
import { parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { LocalStorage } from '../../src/storage/local.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { tempDir } from '../support/temp-dir.js';

const ROOT = 's3://lake-bucket/flows/';
const OPTIONS = { location: ROOT, output: 'parquet', layout: 'hive', format: resolveFormat('v2') } as const;
/** 2020-02-01T23:40Z: each account has rows on two days. */
const LATE_EVENING = 1_580_600_400;
const HOUR_MS = 3_600_000;

/** The view's Trino text → DuckDB text (the constructs it uses that DuckDB spells differently). */
function viewInDuckdb(sql: string): string {
  return sql
    .replace(/\bmap_agg\(/g, 'trino_map_agg(')
    .replace(
      /CROSS JOIN UNNEST\((\w+)\.(\w+)\) AS (\w+) \((\w+), (\w+)\)/g,
      'CROSS JOIN LATERAL (SELECT unnest(map_keys($1.$2)) AS $4, unnest(map_values($1.$2)) AS $5) AS $3',
    )
    .replace(/\belement_at\(/g, 'map_extract_value(');
}

const DIGEST = `count(*) AS n, sum(bytes)::VARCHAR AS b, sum(packets)::VARCHAR AS p,
  sum(hash(account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status)::HUGEINT)::VARCHAR AS h`;

describe('the Athena flows view over the lake (run in DuckDB)', () => {
  let instance: DuckDBInstance;
  let con: DuckDBConnection;
  const lake = tempDir();
  const stash = tempDir();
  const late = tempDir();
  let expected: Record<string, unknown>;
  const [recent, compacted, state] = lakeTables(OPTIONS);

  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    con = await instance.connect();
    await con.run(`CREATE MACRO trino_map_agg(k, v) AS map_from_entries(list({'k': k, 'v': v}))`);
    await writeSampleStash(stash, { objects: 40, events: 50, seed: 31, startTime: LATE_EVENING });
    await convert(stash, lake, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
  });
  after(() => {
    con?.closeSync();
    instance?.closeSync();
  });

  /** The three tables as Athena sees the lake now: every object under each location, `"$path"` its S3 URL. */
  async function emulateTables(): Promise<void> {
    const path = `replace(filename, '${lake}/', '${ROOT}') AS "$path"`;
    const parquet = async (name: string, prefix: string, fallback: string) => {
      const glob = join(lake, prefix, '**', '*.parquet');
      const any = filesUnder(lake).some((f) => f.startsWith(prefix) && f.endsWith('.parquet'));
      await con.run(
        any
          ? `CREATE OR REPLACE VIEW "${name}" AS SELECT * EXCLUDE (filename), ${path} FROM read_parquet('${glob}', filename = true, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`
          : `CREATE OR REPLACE VIEW "${name}" AS ${fallback}`,
      );
    };
    await parquet(recent.name, 'AWSLogs/', 'SELECT NULL WHERE false');
    await parquet(compacted.name, 'compacted/AWSLogs/', `SELECT * EXCLUDE (hour) FROM "${recent.name}" WHERE false`);
    const stateFiles = existsSync(join(lake, 'lake-state'));
    await con.run(
      stateFiles
        ? `CREATE OR REPLACE VIEW "${state.name}" AS SELECT * EXCLUDE (filename), ${path} FROM read_csv('${join(lake, 'lake-state', '*.csv')}', header = true, all_varchar = true, filename = true)`
        : `CREATE OR REPLACE VIEW "${state.name}" AS SELECT ${state.columns.map((c) => `NULL::VARCHAR AS "${c.name}"`).join(', ')}, NULL::VARCHAR AS "$path" WHERE false`,
    );
  }

  async function viewDigest() {
    await emulateTables();
    const reader = await con.runAndReadAll(`SELECT ${DIGEST} FROM (${viewInDuckdb(lakeViewSql(OPTIONS))})`);
    return reader.getRowObjectsJson()[0];
  }

  /** The local reader of the lake agrees: the same rows, bytes and packets. */
  async function assertLocalReaderAgrees(): Promise<void> {
    const local = await flowsDigest(lake);
    assert.deepEqual([local.rows, local.bytes, local.packets], [Number(expected.n), expected.b, expected.p]);
  }

  it('reads every row before compaction', async () => {
    await emulateTables();
    expected = (await con.runAndReadAll(`SELECT ${DIGEST} FROM "${recent.name}"`)).getRowObjectsJson()[0];
    assert.equal(Number(expected.n), 2_000);
    assert.deepEqual(await viewDigest(), expected);
    await assertLocalReaderAgrees();
  });

  it('reads every row once after compaction, the replaced files still there in their grace', async () => {
    const recentBefore = filesUnder(lake).filter((f) => parseRecentKey(f));
    const report = await compactLake(new LocalStorage(lake), { retireGraceMs: HOUR_MS });
    assert.ok(report.days.compacted >= 2);
    assert.deepEqual(
      filesUnder(lake).filter((f) => parseRecentKey(f)),
      recentBefore,
      'nothing deleted yet',
    );
    assert.ok(filesUnder(lake).some((f) => parseCompactedKey(f)));
    assert.deepEqual(await viewDigest(), expected);
    await assertLocalReaderAgrees();
  });

  it('leaves out the files of a generation that never went live', async () => {
    const live = filesUnder(lake).find((f) => parseCompactedKey(f))!;
    const orphan = live.replace(/\/[^/]+$/, '/20991231T000000Z-abcdef-0.parquet');
    mkdirSync(dirname(join(lake, orphan)), { recursive: true });
    copyFileSync(join(lake, live), join(lake, orphan));
    assert.deepEqual(await viewDigest(), expected);
    await assertLocalReaderAgrees();
  });

  it('adds late rows for a compacted day at once, and reads them once after the next compaction', async () => {
    await writeSampleStash(late, { objects: 5, events: 40, seed: 32, startTime: LATE_EVENING });
    const report = await convert(late, lake, { to: ['parquet'], layout: 'hive', region: 'eu-west-1', concurrency: 1 });
    assert.equal(report.objects.failed, 0);
    await emulateTables();
    // What the lake holds now: the earlier rows plus the late ones (read straight from their files).
    const lateKeys = report.results.flatMap((r) => r.outputs).map((k) => `'${ROOT}${k}'`);
    const lateRows = (
      await con.runAndReadAll(`SELECT count(*) AS n FROM "${recent.name}" WHERE "$path" IN (${lateKeys.join(', ')})`)
    ).getRowObjectsJson()[0];
    assert.equal(Number(lateRows.n), 200);
    const withLate = await viewDigest();
    assert.equal(Number(withLate.n), Number(expected.n) + 200);
    expected = withLate;
    await assertLocalReaderAgrees();

    const again = await compactLake(new LocalStorage(lake), { retireGraceMs: HOUR_MS });
    assert.ok(again.days.compacted >= 1, 'the days with late rows compact again');
    assert.deepEqual(await viewDigest(), expected, 'the first generation, retired, still on disk, is left out');
    await assertLocalReaderAgrees();
  });
});
