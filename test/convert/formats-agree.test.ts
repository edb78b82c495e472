import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { convert } from '../../src/convert/run.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { tempDir } from '../support/temp-dir.js';

/** Aggregates that must not depend on the output format: counts, sums, distinct values, nulls. */
const AGGREGATES = `count(*)::BIGINT AS n, sum(bytes)::BIGINT AS bytes, sum(packets)::BIGINT AS packets,
  count(DISTINCT srcaddr)::BIGINT AS sources, count(*) FILTER (WHERE action = 'REJECT')::BIGINT AS rejected,
  count(*) FILTER (WHERE log_status = 'NODATA')::BIGINT AS nodata, count(dstport)::BIGINT AS with_port,
  epoch_ms(min("timestamp"))::BIGINT AS first, max("end")::BIGINT AS last_end`;

describe('CSV, Parquet and JSONL outputs of one pass agree', () => {
  it('DuckDB reads the same counts and sums from each (hive layout, all three formats)', async () => {
    const stash = tempDir();
    const out = tempDir();
    await writeSampleStash(stash, { objects: 4, events: 3000, seed: 11 });
    const report = await convert(stash, out, { to: ['csv', 'parquet', 'jsonl'], layout: 'hive', region: 'us-east-1' });
    assert.equal(report.objects.converted, 4);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const root = join(out, 'AWSLogs');
    const fromParquet = `read_parquet('${root}/**/*.parquet')`;
    // CSV keeps "-" for "no value" and AWS's dashed names; read it as such and align the names.
    const fromCsv = `(SELECT * RENAME ("log-status" AS log_status) FROM read_csv('${root}/**/*.csv.gz', header = true,
      nullstr = '-', timestampformat = '%Y-%m-%dT%H:%M:%S.%gZ', types = {'timestamp': 'TIMESTAMP'}))`;
    const fromJsonl = `read_json('${root}/**/*.jsonl.gz', format = 'newline_delimited')`;
    const rows = async (from: string) =>
      (await c.runAndReadAll(`SELECT ${AGGREGATES} FROM ${from}`)).getRowObjectsJson();
    const parquet = await rows(fromParquet);
    assert.equal(parquet[0].n, String(report.rows));
    assert.deepEqual(await rows(fromCsv), parquet);
    assert.deepEqual(await rows(fromJsonl), parquet);
    c.closeSync();
  });
});
