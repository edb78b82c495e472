import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  type AthenaTableOptions,
  createTableDdl,
  csvTypedViewDdl,
  defaultYears,
  HIVE_PARTITIONS,
  projectionProperties,
} from '../../src/athena/ddl.js';
import { athenaDdlText } from '../../src/cli/athena-command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { csvHeader } from '../../src/encode/csv.js';
import { createParquetEncoder } from '../../src/encode/parquet.js';
import { type FlowFormat, resolveFormat } from '../../src/formats/format.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { hivePrefix, hourPath } from '../../src/layout/hive.js';
import { tempDir } from '../support/temp-dir.js';

/** The `name type` pairs of the column list of a CREATE TABLE statement. */
function ddlColumns(ddl: string): [string, string][] {
  const body = ddl.slice(ddl.indexOf('(\n') + 2, ddl.indexOf('\n)'));
  return body.split(',\n').map((line) => {
    const m = /^\s*`([^`]+)` (\w+)$/.exec(line);
    assert.ok(m, `column line "${line}"`);
    return [m[1], m[2]];
  });
}

/** Athena types of the columns of a Parquet file we write, read back from its own schema by DuckDB. */
async function parquetColumns(format: FlowFormat): Promise<[string, string][]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const encoder = createParquetEncoder({ format, out });
  await encoder.finish();
  const path = join(tempDir('flowlake-athena-'), 'schema.parquet');
  writeFileSync(path, Buffer.concat(chunks));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const rows = (
    await con.runAndReadAll(`SELECT name, type, converted_type FROM parquet_schema('${path}') WHERE type IS NOT NULL`)
  ).getRowObjectsJson();
  con.closeSync();
  db.closeSync();
  return rows.map((r) => {
    const athena =
      r.converted_type === 'TIMESTAMP_MILLIS'
        ? 'timestamp'
        : ({ INT32: 'int', INT64: 'bigint', BYTE_ARRAY: 'string' } as Record<string, string>)[String(r.type)];
    return [String(r.name), athena];
  });
}

function options(overrides: Partial<AthenaTableOptions> = {}): AthenaTableOptions {
  return {
    location: 's3://flows-bucket/converted',
    output: 'parquet',
    layout: 'hive',
    format: resolveFormat('v2'),
    ...overrides,
  };
}

describe('Athena DDL', () => {
  for (const spec of ['v2', 'v5', 'v11']) {
    it(`declares exactly the columns and types of our Parquet files (${spec})`, async () => {
      const format = resolveFormat(spec);
      const ddl = createTableDdl(options({ format }));
      assert.deepEqual(ddlColumns(ddl), await parquetColumns(format));
      assert.match(ddl, /STORED AS PARQUET/);
    });
  }

  it('projects the hive partitions onto the path the hive layout writes', () => {
    const ddl = createTableDdl(options({ database: 'netlogs', table: 'flows' }));
    assert.match(ddl, /^CREATE EXTERNAL TABLE IF NOT EXISTS `netlogs`\.`flows` \(/);
    assert.match(ddl, /LOCATION 's3:\/\/flows-bucket\/converted\/AWSLogs\/'/);
    const partitions = ddl.slice(ddl.indexOf('PARTITIONED BY (') + 17, ddl.indexOf('\n)\nSTORED'));
    assert.deepEqual(
      partitions.split(',\n').map((l) => l.trim()),
      HIVE_PARTITIONS.map((p) => `\`${p}\` string`),
    );
    const props = Object.fromEntries(projectionProperties(options()));
    const values: Record<string, string> = {
      'aws-account-id': '123456789012',
      'aws-service': 'vpcflowlogs',
      'aws-region': 'eu-west-1',
    };
    const hour = hourPath(Date.UTC(2024, 0, 5, 7, 30));
    for (const part of hour.split('/')) {
      const [k, v] = part.split('=');
      values[k] = v;
      // Integer projections with these digits produce the zero-padded values the layout writes.
      assert.equal(String(Number(v)).padStart(Number(props[`projection.${k}.digits`]), '0'), v);
    }
    const resolved = props['storage.location.template'].replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name]);
    const written = `s3://flows-bucket/converted/${hivePrefix({ account: '123456789012', region: 'eu-west-1', hour })}/`;
    assert.equal(resolved, written);
    assert.equal(props['projection.aws-account-id.type'], 'injected');
    assert.equal(props['projection.aws-region.type'], 'injected');
    assert.equal(props['projection.aws-service.values'], 'vpcflowlogs');
  });

  it('uses enum projections when accounts and regions are given', () => {
    const props = Object.fromEntries(
      projectionProperties(
        options({ accounts: ['111122223333', '444455556666'], regions: ['us-east-1'], years: [2023, 2030] }),
      ),
    );
    assert.equal(props['projection.aws-account-id.type'], 'enum');
    assert.equal(props['projection.aws-account-id.values'], '111122223333,444455556666');
    assert.equal(props['projection.aws-region.values'], 'us-east-1');
    assert.equal(props['projection.year.range'], '2023,2030');
  });

  it('reads mirror-layout CSV.gz with its header skipped, and gives a typed view', () => {
    const format = resolveFormat('v2');
    const ddl = createTableDdl(options({ output: 'csv', layout: 'mirror', format }));
    const columns = ddlColumns(ddl);
    assert.equal(columns.length, csvHeader(format).split(',').length);
    assert.deepEqual(columns[0], ['timestamp', 'string']);
    assert.deepEqual(columns[9], ['packets', 'bigint']);
    assert.doesNotMatch(ddl, /PARTITIONED BY/);
    assert.match(ddl, /'skip\.header\.line\.count' = '1'/);
    assert.match(ddl, /LOCATION 's3:\/\/flows-bucket\/converted\/'/);
    const view = csvTypedViewDdl(options({ output: 'csv', layout: 'mirror', format }));
    assert.match(view, /CAST\(from_iso8601_timestamp\(nullif\("timestamp", ''\)\) AS timestamp\) AS "timestamp"/);
    assert.match(view, /nullif\("srcaddr", '-'\) AS "srcaddr"/);
    assert.match(view, /FROM "vpc_flow_logs_csv"\nWHERE /);
  });

  it('projects every year flow logs can have by default: 2015 (VPC Flow Logs launch) to ten years ahead', () => {
    assert.deepEqual(defaultYears(new Date(Date.UTC(2026, 5, 1))), [2015, 2036]);
    const props = Object.fromEntries(projectionProperties(options()));
    const [from, to] = props['projection.year.range'].split(',').map(Number);
    // February 2020 converted to hive must be reachable without --years.
    for (const year of [2015, 2016, 2017, 2018, 2019, 2020, new Date().getUTCFullYear()]) {
      assert.ok(from <= year && year <= to, `${year} in ${from}..${to}`);
    }
  });

  it('the CSV typed view reads only .csv.gz data files, never _flowlake/ bookkeeping', () => {
    for (const layout of ['mirror', 'hive'] as const) {
      const view = csvTypedViewDdl(options({ output: 'csv', layout }));
      assert.match(view, /\nWHERE "\$path" LIKE '%\.csv\.gz' AND strpos\("\$path", '\/_flowlake\/'\) = 0;$/);
    }
  });

  it('refuses a location that is not on S3', () => {
    assert.throws(() => createTableDdl(options({ location: '/tmp/out' })), /s3:\/\//);
  });
});

describe('flowlake athena-ddl', () => {
  const flags = { location: 's3://b/p', to: 'parquet' as const, layout: 'hive' as const, queries: true };

  it('prints the DDL then the queries', () => {
    const text = athenaDdlText({ ...flags, layout: 'mirror' });
    assert.match(text, /^CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs_parquet`/);
    assert.match(text, /CREATE OR REPLACE VIEW "vpc_flow_logs_parquet_flows"/);
    assert.match(text, /^-- flowlake-mining: /m);
    assert.match(text, /^-- flowlake-coverage: /m);
    assert.doesNotMatch(athenaDdlText({ ...flags, queries: false }), /-- flowlake-/);
    const csv = athenaDdlText({ ...flags, to: 'csv' });
    assert.match(csv, /CREATE OR REPLACE VIEW "vpc_flow_logs_csv_typed"/);
    assert.match(csv, /^WITH flows AS \(\n {2}SELECT \* FROM "vpc_flow_logs_csv_typed"/m);
  });

  it('prints the lake for Parquet in the hive layout: recent, compacted and state tables, the view, the hunts over it', () => {
    const text = athenaDdlText({ ...flags, database: 'net' });
    const tables = [...text.matchAll(/^CREATE EXTERNAL TABLE IF NOT EXISTS `net`\.`(\w+)`/gm)].map((m) => m[1]);
    assert.deepEqual(tables, [
      'vpc_flow_logs_parquet_recent',
      'vpc_flow_logs_parquet_compacted',
      'vpc_flow_logs_parquet_state',
    ]);
    assert.match(text, /^LOCATION 's3:\/\/b\/p\/AWSLogs\/'$/m);
    assert.match(text, /^LOCATION 's3:\/\/b\/p\/compacted\/AWSLogs\/'$/m);
    assert.match(text, /^LOCATION 's3:\/\/b\/p\/lake-state\/'$/m);
    assert.doesNotMatch(text, /LOCATION '[^']*_flowlake/);
    assert.match(text, /'projection\.year\.range' = '2015,\d{4}'/);
    assert.match(
      text,
      /'storage\.location\.template' = 's3:\/\/b\/p\/compacted\/AWSLogs\/aws-account-id=\$\{aws-account-id\}\/aws-service=\$\{aws-service\}\/aws-region=\$\{aws-region\}\/year=\$\{year\}\/month=\$\{month\}\/day=\$\{day\}\/'/,
    );
    assert.equal(text.match(/'projection\.hour\.type'/g)?.length, 1, 'only the recent table is hourly');
    assert.match(text, /^CREATE OR REPLACE VIEW "net"\."vpc_flow_logs_parquet_flows" AS\nWITH\n/m);
    assert.match(text, /^-- The hunts of `flowlake hunt`, reading "net"\."vpc_flow_logs_parquet_flows":$/m);
    assert.equal(
      text.match(/^WITH flows AS \(\n {2}SELECT \* FROM "net"\."vpc_flow_logs_parquet_flows"$/gm)?.length,
      HUNTS.length,
    );
  });

  it('says which hunts a format cannot run', () => {
    const text = athenaDdlText({ ...flags, fields: '${version} ${srcaddr} ${dstaddr} ${bytes} ${packets} ${start}' });
    assert.match(text, /^-- flowlake-mining is left out: the format lacks interface_id, dstport, action\.$/m);
    assert.doesNotMatch(text, /^-- flowlake-mining: /m);
  });

  it('reports bad usage as a UsageError (exit code 2)', () => {
    assert.throws(() => athenaDdlText({ ...flags, location: 'https://example.com' }), UsageError);
    assert.throws(() => athenaDdlText({ ...flags, fields: 'v99' }), UsageError);
  });
});
