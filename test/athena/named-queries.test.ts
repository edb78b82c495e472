import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AthenaTableOptions,
  athenaColumns,
  csvTypedViewDdl,
  HIVE_PARTITIONS,
  parquetViewDdl,
} from '../../src/athena/ddl.js';
import { isLake, lakeTables, lakeViewColumns, lakeViewDdl } from '../../src/athena/lake.js';
import { ATHENA_WINDOW_DAYS, formatNamedQueries, huntsLeftOut, namedQueries } from '../../src/athena/queries.js';
import { resolveFormat } from '../../src/formats/format.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { parseTrino, unknownColumns } from './trino-sql.js';

/**
 * The columns a relation of these options has: over the lake the flows view's; otherwise the table's, the hive
 * partitions, and Athena's `$path`.
 */
function relationColumns(options: AthenaTableOptions): string[] {
  if (isLake(options)) return lakeViewColumns(options).map((c) => c.name);
  return [
    ...athenaColumns(options.format).map((c) => c.name),
    ...(options.layout === 'hive' ? HIVE_PARTITIONS : []),
    '$path',
  ];
}

const VARIANTS: { label: string; options: AthenaTableOptions }[] = [
  { label: 'parquet, hive, v2', options: opts('parquet', 'hive', 'v2') },
  { label: 'parquet, mirror, v2', options: opts('parquet', 'mirror', 'v2') },
  { label: 'csv, mirror, v2', options: opts('csv', 'mirror', 'v2') },
  { label: 'csv, hive, v2', options: opts('csv', 'hive', 'v2') },
  { label: 'parquet, hive, v5 (pkt-srcaddr, instance-id)', options: opts('parquet', 'hive', 'v5') },
  { label: 'csv, mirror, v5 (pkt-srcaddr, instance-id)', options: opts('csv', 'mirror', 'v5') },
  {
    label: 'parquet, hive, v2, enum account and region, in a database',
    options: { ...opts('parquet', 'hive', 'v2'), accounts: ['123456789012'], regions: ['eu-west-1'], database: 'net' },
  },
];

function opts(output: 'parquet' | 'csv', layout: 'hive' | 'mirror', fields: string): AthenaTableOptions {
  return { location: 's3://flows-bucket/converted', output, layout, format: resolveFormat(fields) };
}

describe('Athena named queries from the hunt catalog', () => {
  for (const { label, options } of VARIANTS) {
    it(`every hunt parses as Trino SQL and names only columns of its table (${label})`, () => {
      const queries = namedQueries(options);
      assert.deepEqual(
        queries.map((q) => q.name),
        HUNTS.map((h) => `flowlake-${h.name}`),
      );
      for (const q of queries) {
        assert.doesNotThrow(() => parseTrino(q.sql), `${q.name} does not parse:\n${q.sql}`);
        assert.deepEqual(unknownColumns(q.sql, relationColumns(options)), [], `${q.name} names unknown columns`);
      }
    });
  }

  it('the column check finds a column the table lacks (v2 has no pkt_srcaddr)', () => {
    const columns = relationColumns(opts('parquet', 'mirror', 'v2'));
    assert.deepEqual(unknownColumns('SELECT srcaddr, pkt_srcaddr AS real_source FROM t', columns), ['pkt_srcaddr']);
    assert.deepEqual(unknownColumns('SELECT x FROM t WHERE "log-status" = \'OK\'', columns), ['log-status', 'x']);
    assert.throws(() => parseTrino('SELECT FROM WHERE'));
  });

  it('uses pkt-srcaddr / pkt-dstaddr and instance-id where the format has them', () => {
    const byName = (o: AthenaTableOptions) => Object.fromEntries(namedQueries(o).map((q) => [q.name, q.sql]));
    const v5 = byName(opts('parquet', 'hive', 'v5'));
    assert.match(v5['flowlake-mining'], /coalesce\(pkt_srcaddr, srcaddr\) AS srcaddr, instance_id AS instance_id/);
    assert.match(v5['flowlake-egress'], /coalesce\(pkt_dstaddr, dstaddr\) AS dstaddr/);
    const v2 = byName(opts('parquet', 'hive', 'v2'));
    assert.doesNotMatch(v2['flowlake-mining'], /pkt_srcaddr|instance_id AS instance_id/);
  });

  it('reads the typed view over CSV and the table over Parquet, through one bounded "flows" relation', () => {
    for (const q of namedQueries(opts('csv', 'mirror', 'v2'))) {
      assert.match(q.sql, /^WITH flows AS \(\n {2}SELECT \* FROM "vpc_flow_logs_csv_typed"\n/m);
      // The view already reads the CSV data files only.
      assert.doesNotMatch(q.sql, /\$path/);
    }
    for (const q of namedQueries(opts('parquet', 'mirror', 'v2'))) {
      assert.match(q.sql, /^WITH flows AS \(\n {2}SELECT \* FROM "vpc_flow_logs_parquet"\n/m);
      assert.match(q.sql, /"\$path" LIKE '%\.parquet' AND strpos\("\$path", '\/_flowlake\/'\) = 0/);
      // Every read of flow records goes through the bounded relation.
      assert.doesNotMatch(q.sql.slice(q.sql.indexOf('\n)\n')), /vpc_flow_logs/);
    }
  });

  it('bounds hive queries by partitions, the injected account and region, and flow start; mirror by start', () => {
    const hive = namedQueries(opts('parquet', 'hive', 'v2'));
    for (const q of hive) {
      const days = ATHENA_WINDOW_DAYS[q.name.replace('flowlake-', '')];
      assert.ok(days >= 1, q.name);
      assert.match(q.sql, /"aws-account-id" = '111122223333'/);
      assert.match(q.sql, /"aws-region" = 'us-east-1'/);
      assert.match(q.sql, new RegExp(`year >= date_format\\(current_date - INTERVAL '${days}' DAY, '%Y'\\)`));
      assert.match(
        q.sql,
        new RegExp(`concat\\(year, month, day\\) >= date_format\\(current_date - INTERVAL '${days}' DAY, '%Y%m%d'\\)`),
      );
      assert.match(q.sql, new RegExp(`"start" >= to_unixtime\\(current_timestamp - INTERVAL '${days}' DAY\\)`));
      assert.match(q.sql, new RegExp(`^-- Window: flows that started in the last ${days} days?`, 'm'));
      assert.match(q.sql, /^-- Replace 111122223333 with your account id/m);
    }
    // Persistence needs more than a day.
    assert.equal(ATHENA_WINDOW_DAYS.mining, 7);
    const enums = namedQueries({ ...opts('parquet', 'hive', 'v2'), accounts: ['1'], regions: ['eu-west-1'] });
    for (const q of enums) assert.doesNotMatch(q.sql, /aws-account-id|aws-region|Replace 1111/);
    for (const q of namedQueries(opts('parquet', 'mirror', 'v2'))) {
      assert.doesNotMatch(q.sql, /year|aws-account-id/);
      assert.match(q.sql, /"start" >= to_unixtime\(current_timestamp - INTERVAL '\d+' DAY\)/);
    }
  });

  it('gives hunts that need input clear placeholders', () => {
    const byName = Object.fromEntries(namedQueries(opts('parquet', 'mirror', 'v2')).map((q) => [q.name, q.sql]));
    assert.match(
      byName['flowlake-ioc'],
      /ioc AS \(\n {2}SELECT \* FROM \(VALUES \('203\.0\.113\.0\/24'\)\) AS list\(indicator\)/,
    );
    assert.match(byName['flowlake-ioc'], /^-- Put your indicators/m);
    assert.match(byName['flowlake-mining'], /VALUES \('203\.0\.113\.0\/24'\)/);
    assert.match(byName['flowlake-ip'], /^-- Replace 203\.0\.113\.7 with the address to follow/m);
    assert.match(byName['flowlake-ip'], /srcaddr = '203\.0\.113\.7'/);
  });

  it('leaves out the hunts whose columns the format lacks, saying which', () => {
    const format = resolveFormat(
      '${version} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${packets} ${bytes} ${start}',
    );
    const names = namedQueries({ ...opts('csv', 'mirror', 'v2'), format }).map((q) => q.name);
    assert.deepEqual(names, ['flowlake-egress', 'flowlake-ip']);
    const leftOut = Object.fromEntries(huntsLeftOut(format).map((h) => [h.name, h.missing]));
    assert.deepEqual(leftOut['flowlake-coverage'], ['interface_id', 'log_status']);
    assert.equal(Object.keys(leftOut).length, HUNTS.length - 2);
  });

  it('formats each query after a "-- name: summary" line', () => {
    const text = formatNamedQueries(namedQueries(opts('parquet', 'hive', 'v2')));
    assert.match(text, /^-- flowlake-mining: instances talking to crypto-mining pools.*\(last 7 days\)\n-- Window/);
    assert.equal(text.match(/^-- flowlake-[a-z]+: /gm)?.length, HUNTS.length);
  });
});

describe('Athena views', () => {
  for (const { label, options } of VARIANTS.slice(0, 4).filter((v) => !isLake(v.options))) {
    it(`parse as Trino SQL, name only table columns and read only data files, not _flowlake/ (${label})`, () => {
      const ddl = options.output === 'csv' ? csvTypedViewDdl(options) : parquetViewDdl(options);
      assert.doesNotThrow(() => parseTrino(ddl), ddl);
      assert.deepEqual(unknownColumns(ddl, relationColumns(options)), []);
      const ext = options.output === 'csv' ? 'csv\\.gz' : 'parquet';
      assert.match(ddl, new RegExp(`WHERE "\\$path" LIKE '%\\.${ext}' AND strpos\\("\\$path", '/_flowlake/'\\) = 0;$`));
    });
  }
});

describe('the lake view', () => {
  for (const { label, options } of VARIANTS.filter((v) => isLake(v.options))) {
    it(`parses as Trino SQL and names only columns of the lake tables (${label})`, () => {
      const ddl = lakeViewDdl(options);
      assert.doesNotThrow(() => parseTrino(ddl), ddl);
      const tableColumns = lakeTables(options).flatMap((t) => [...t.columns.map((c) => c.name), ...t.partitionKeys]);
      assert.deepEqual(unknownColumns(ddl, [...tableColumns, '$path']), []);
      assert.doesNotMatch(ddl, /_flowlake/);
    });
  }

  it('is what the hunts over the lake read, with no $path filter of their own', () => {
    const options = { ...opts('parquet', 'hive', 'v2'), database: 'net' };
    for (const q of namedQueries(options, 'table')) {
      assert.match(q.sql, /^WITH flows AS \(\n {2}SELECT \* FROM "net"\."vpc_flow_logs_parquet_flows"\n/m);
      assert.doesNotMatch(q.sql, /\$path/);
    }
  });
});
