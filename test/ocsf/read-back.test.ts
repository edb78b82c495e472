import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { convert } from '../../src/convert/run.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { openFlows } from '../../src/query/index.js';
import type { FlowsSession } from '../../src/query/session.js';
import { writeIncidentStash } from '../../src/sample/incidents.js';
import { validateOcsfFiles } from '../support/ocsf-validator.js';
import { tempDir } from '../support/temp-dir.js';

/** Every row of `flows` but its `timestamp` (OCSF keeps the flow's start there, not the delivery time). */
const ALL_ROWS = 'SELECT * EXCLUDE ("timestamp") FROM flows ORDER BY ALL';

async function withFlows<T>(src: string, cache: string, use: (s: FlowsSession) => Promise<T>): Promise<T> {
  const session = await openFlows(src, { cache });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

describe('OCSF read back as flows', () => {
  const dir = tempDir('flowlake-ocsf-read-');
  const stash = join(dir, 'stash');
  const cache = join(dir, 'cache');
  before(async () => {
    await writeIncidentStash(stash, { format: 'v5', seed: 5, noisePerHour: 30 });
    const formats = { fields: 'v5', concurrency: 1 };
    await convert(stash, join(dir, 'parquet'), { to: ['parquet'], layout: 'hive', ...formats });
    // The stash's SKIPDATA records carry no region ("-"): --flow-region places them.
    await convert(stash, join(dir, 'ocsf'), { to: ['ocsf'], flowRegion: 'us-east-1', ...formats });
  });

  it('every record written is a valid OCSF 1.1.0 Network Activity event', async () => {
    const { records, errors } = await validateOcsfFiles(join(dir, 'ocsf'));
    assert.ok(records > 1000, `${records} records`);
    assert.deepEqual(errors, []);
  });

  it('stash → OCSF → flows equals stash → Parquet → flows: every row, column and type', async () => {
    const parquet = await withFlows(join(dir, 'parquet'), cache, async (s) => ({
      rows: (await s.query(ALL_ROWS, 0)).rows,
      types: (await s.query('DESCRIBE flows', 0)).rows,
    }));
    const ocsf = await withFlows(join(dir, 'ocsf'), cache, async (s) => ({
      rows: (await s.query(ALL_ROWS, 0)).rows,
      types: (await s.query('DESCRIBE flows', 0)).rows,
    }));
    assert.ok(parquet.rows.length > 1000, `${parquet.rows.length} rows`);
    const typesOf = (rows: readonly Record<string, unknown>[]) => rows.map((r) => `${r.column_name} ${r.column_type}`);
    assert.deepEqual(typesOf(ocsf.types), typesOf(parquet.types));
    assert.equal(ocsf.rows.length, parquet.rows.length);
    for (let i = 0; i < parquet.rows.length; i++) assert.deepEqual(ocsf.rows[i], parquet.rows[i], `row ${i}`);
  });

  it('every hunt answers the same over the OCSF and the Parquet outputs of one stash', async () => {
    const answers = async (src: string) =>
      withFlows(src, cache, async (s) => {
        const out: Record<string, unknown> = {};
        for (const hunt of HUNTS) {
          if (hunt.needsIoc) continue;
          const options = hunt.name === 'ip' ? { targets: ['10.0.5.23'] } : {};
          out[hunt.name] = (await s.hunt(hunt.name, options, 0)).rows;
        }
        return out;
      });
    const parquet = await answers(join(dir, 'parquet'));
    const ocsf = await answers(join(dir, 'ocsf'));
    const found = Object.entries(parquet).filter(([, rows]) => (rows as unknown[]).length > 0);
    assert.ok(found.length >= 6, `hunts with findings: ${found.map(([n]) => n).join(', ')}`);
    // Findings that tie in rank may come in either order: compared as sets. `ip` lists whole rows, whose
    // `timestamp` is the delivery time in Parquet and the flow's start in OCSF (it has no delivery time).
    const sorted = (rows: unknown) =>
      (rows as Record<string, unknown>[]).map(({ timestamp: _, ...r }) => JSON.stringify(r)).sort();
    for (const name of Object.keys(parquet)) assert.deepEqual(sorted(ocsf[name]), sorted(parquet[name]), name);
  });

  it("reads Security Lake's own VPC flow files (source version 2): their extra columns, another writer", async () => {
    // Two records shaped as the native source writes them (research: a REJECT/ingress and a NODATA record),
    // written by DuckDB rather than flowlake, with the native top-level accountid, region and asl_version.
    const folder = join(dir, 'native', 'region=us-east-1', 'accountId=123456789012', 'eventDay=20230428');
    mkdirSync(folder, { recursive: true });
    const endpoint = (ip: string, port: string, ids: string) =>
      `{'port': ${port}::INTEGER, 'svc_name': '-', 'ip': '${ip}', 'intermediate_ips': NULL::VARCHAR[], ${ids}}`;
    const ids = (eni: string, instance: string) =>
      `'interface_uid': ${eni}, 'vpc_uid': ${eni === 'NULL' ? 'NULL' : "'vpc-1'"}, 'instance_uid': ${instance}, 'subnet_uid': ${eni === 'NULL' ? 'NULL' : "'subnet-1'"}`;
    const none = ids('NULL', 'NULL');
    const record = (r: {
      src: string;
      dst: string;
      action: [number, string];
      activity: [number, string];
      status: string;
      extra: string;
    }) => `SELECT
        {'product': {'version': '5', 'name': 'Amazon VPC', 'feature': {'name': 'Flowlogs'}, 'vendor_name': 'AWS'},
         'profiles': ['cloud', 'security_control', 'datetime'], 'version': '1.1.0'} AS metadata,
        {'account': {'uid': '123456789012'}, 'region': 'us-east-1', 'zone': 'use1-az1', 'provider': 'AWS'} AS cloud,
        ${r.src} AS src_endpoint, ${r.dst} AS dst_endpoint, ${r.extra},
        1682640000000::BIGINT AS "time", make_timestamp(1682640000000000) AS time_dt,
        make_timestamp(1682640000000000) AS start_time_dt, make_timestamp(1682640060000000) AS end_time_dt,
        '${r.status}' AS status_code, 1 AS severity_id, 'Informational' AS severity, 'Network Activity' AS class_name,
        4001 AS class_uid, 'Network Activity' AS category_name, 4 AS category_uid, '${r.activity[1]}' AS activity_name,
        ${r.activity[0]} AS activity_id, '${r.action[1]}' AS action, ${r.action[0]} AS action_id,
        NULL::VARCHAR AS disposition, ${400100 + r.activity[0]}::BIGINT AS type_uid, 'x' AS type_name,
        NULL::MAP(VARCHAR, VARCHAR) AS unmapped, NULL::VARCHAR AS accountid, NULL::VARCHAR AS region,
        NULL::VARCHAR AS asl_version`;
    const reject = record({
      src: endpoint('198.51.100.7', '51000', none),
      dst: endpoint('10.0.1.5', '22', ids("'eni-0a1b2c3d'", "'i-1'")),
      action: [2, 'Denied'],
      activity: [5, 'Refuse'],
      status: 'OK',
      extra: `{'protocol_num': 6, 'tcp_flags': 2, 'protocol_ver': 'IPv4', 'boundary_id': 11, 'boundary': 'Internet Gateway', 'direction_id': 1, 'direction': 'Inbound'} AS connection_info, {'packets': 1::BIGINT, 'bytes': 44::BIGINT} AS traffic`,
    });
    const nodata = record({
      src: endpoint('-', 'NULL', ids("'eni-0a1b2c3d'", "'-'")),
      dst: endpoint('-', 'NULL', none),
      action: [99, '-'],
      activity: [0, 'Unknown'],
      status: 'NODATA',
      extra: `{'protocol_num': NULL::INTEGER, 'tcp_flags': NULL::INTEGER, 'protocol_ver': '-', 'boundary_id': 99, 'boundary': '-', 'direction_id': 99, 'direction': '-'} AS connection_info, NULL::STRUCT(packets BIGINT, bytes BIGINT) AS traffic`,
    });
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(
      `COPY (${reject} UNION ALL ${nodata}) TO '${join(folder, 'native.gz.parquet')}' (FORMAT parquet, COMPRESSION gzip)`,
    );
    con.closeSync();
    db.closeSync();
    const rows = await withFlows(
      join(dir, 'native'),
      cache,
      async (s) => (await s.query('SELECT * FROM flows ORDER BY log_status DESC', 0)).rows,
    );
    assert.deepEqual(rows[0], {
      timestamp: '2023-04-28T00:00:00.000Z',
      version: 5,
      account_id: '123456789012',
      interface_id: 'eni-0a1b2c3d',
      srcaddr: '198.51.100.7',
      dstaddr: '10.0.1.5',
      srcport: 51000,
      dstport: 22,
      protocol: 6,
      packets: 1,
      bytes: 44,
      start: 1682640000,
      end: 1682640060,
      action: 'REJECT',
      log_status: 'OK',
      vpc_id: 'vpc-1',
      subnet_id: 'subnet-1',
      instance_id: 'i-1',
      tcp_flags: 2,
      type: 'IPv4',
      pkt_srcaddr: '198.51.100.7',
      pkt_dstaddr: '10.0.1.5',
      region: 'us-east-1',
      az_id: 'use1-az1',
      sublocation_type: null,
      sublocation_id: null,
      pkt_src_aws_service: null,
      pkt_dst_aws_service: null,
      flow_direction: 'ingress',
      traffic_path: 8,
    });
    assert.equal(rows[1].log_status, 'NODATA');
    for (const column of [
      'srcaddr',
      'dstaddr',
      'srcport',
      'packets',
      'action',
      'instance_id',
      'flow_direction',
      'traffic_path',
    ]) {
      assert.equal(rows[1][column], null, column);
    }
    assert.equal(rows[1].interface_id, 'eni-0a1b2c3d');
  });
});
