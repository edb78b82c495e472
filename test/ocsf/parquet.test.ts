import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import { NestedParquetWriter } from '../../src/encode/parquet/nested-writer.js';
import { resolveFormat } from '../../src/formats/format.js';
import type { OcsfRecord } from '../../src/ocsf/map.js';
import { OCSF_ROOT_NAME, OCSF_SCHEMA } from '../../src/ocsf/schema.js';
import { duckdbForTests } from '../support/duckdb.js';
import { tempDir } from '../support/temp-dir.js';
import { mapped } from './lines.js';

const dir = tempDir('flowlake-ocsf-parquet-');
const duckdb = duckdbForTests();

function fileOf(records: readonly OcsfRecord[]): Buffer {
  const writer = new NestedParquetWriter({ rootName: OCSF_ROOT_NAME, fields: OCSF_SCHEMA, compression: 'gzip' });
  const parts = [...writer.start()];
  for (const r of records) parts.push(...writer.add(r as unknown as Record<string, unknown>));
  parts.push(...writer.finish());
  return Buffer.concat(parts);
}

const v5 = resolveFormat('v5');
const RECORDS = [
  mapped(v5, { 'sublocation-type': 'wavelength', 'pkt-srcaddr': '10.9.9.9' }),
  mapped(v5, {
    action: '-',
    'log-status': 'NODATA',
    srcaddr: '-',
    dstaddr: '-',
    'pkt-srcaddr': '-',
    'pkt-dstaddr': '-',
    srcport: '-',
    dstport: '-',
    protocol: '-',
    packets: '-',
    bytes: '-',
    'flow-direction': '-',
  }),
  mapped(resolveFormat('v2'), { version: '2' }, { flowRegion: 'us-east-1' }),
];

describe('OCSF records in Parquet', () => {
  it('read back in hyparquet as the records written (timestamps as dates, longs as bigints)', async () => {
    const bytes = fileOf(RECORDS);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    const objects = await parquetReadObjects({ file, compressors: PAGE_DECOMPRESSORS });
    const normalise = (r: OcsfRecord) =>
      JSON.parse(
        JSON.stringify(r, (key, v) => {
          if (['time_dt', 'start_time_dt', 'end_time_dt'].includes(key) && typeof v === 'number') return `t${v}`;
          return v;
        }),
      );
    const back = objects.map((o) =>
      JSON.parse(
        JSON.stringify(o, (key, v) => {
          if (typeof v === 'bigint') return Number(v);
          if (['time_dt', 'start_time_dt', 'end_time_dt'].includes(key) && typeof v === 'string') {
            return `t${Date.parse(v)}`;
          }
          return v;
        }),
      ),
    );
    assert.deepEqual(back, RECORDS.map(normalise));
  });

  it('DuckDB reads the nested columns with the native Glue types', async () => {
    const path = join(dir, 'ocsf.parquet');
    writeFileSync(path, fileOf(RECORDS));
    const rows = await (
      await duckdb.connection().runAndReadAll(
        `SELECT src_endpoint.ip AS ip, src_endpoint.intermediate_ips AS via, cloud.account.uid AS account,
                unmapped['sublocation_type'] AS sublocation, metadata.profiles AS profiles, "time",
                epoch_ms(time_dt) AS time_dt, traffic.bytes AS bytes, activity_name, type_uid FROM '${path}'`,
      )
    ).getRowObjectsJson();
    assert.deepEqual(rows, [
      {
        ip: '10.9.9.9',
        via: ['10.0.1.5'],
        account: '123456789012',
        sublocation: 'wavelength',
        profiles: ['cloud', 'security_control', 'datetime'],
        time: '1580515200000',
        time_dt: '1580515200000',
        bytes: '8400',
        activity_name: 'Traffic',
        type_uid: '400106',
      },
      {
        ip: '-',
        via: null,
        account: '123456789012',
        sublocation: '-',
        profiles: ['cloud', 'security_control', 'datetime'],
        time: '1580515200000',
        time_dt: '1580515200000',
        bytes: null,
        activity_name: 'Unknown',
        type_uid: '400100',
      },
      {
        ip: '10.0.1.5',
        via: null,
        account: '123456789012',
        sublocation: null,
        profiles: ['cloud', 'security_control', 'datetime'],
        time: '1580515200000',
        time_dt: '1580515200000',
        bytes: '8400',
        activity_name: 'Traffic',
        type_uid: '400106',
      },
    ]);
    const types = (
      await (await duckdb.connection().runAndReadAll(`DESCRIBE SELECT * FROM '${path}'`)).getRowObjectsJson()
    ).map((r) => `${r.column_name} ${r.column_type}`);
    assert.deepEqual(types, [
      'metadata STRUCT(product STRUCT("version" VARCHAR, "name" VARCHAR, feature STRUCT("name" VARCHAR), vendor_name VARCHAR), profiles VARCHAR[], "version" VARCHAR)',
      'cloud STRUCT(account STRUCT(uid VARCHAR), region VARCHAR, "zone" VARCHAR, provider VARCHAR)',
      'src_endpoint STRUCT(port INTEGER, svc_name VARCHAR, ip VARCHAR, intermediate_ips VARCHAR[], interface_uid VARCHAR, vpc_uid VARCHAR, instance_uid VARCHAR, subnet_uid VARCHAR)',
      'dst_endpoint STRUCT(port INTEGER, svc_name VARCHAR, ip VARCHAR, intermediate_ips VARCHAR[], interface_uid VARCHAR, vpc_uid VARCHAR, instance_uid VARCHAR, subnet_uid VARCHAR)',
      'connection_info STRUCT(protocol_num INTEGER, tcp_flags INTEGER, protocol_ver VARCHAR, boundary_id INTEGER, boundary VARCHAR, direction_id INTEGER, direction VARCHAR)',
      'traffic STRUCT(packets BIGINT, bytes BIGINT)',
      'time BIGINT',
      'time_dt TIMESTAMP WITH TIME ZONE',
      'start_time_dt TIMESTAMP WITH TIME ZONE',
      'end_time_dt TIMESTAMP WITH TIME ZONE',
      'status_code VARCHAR',
      'severity_id INTEGER',
      'severity VARCHAR',
      'class_name VARCHAR',
      'class_uid INTEGER',
      'category_name VARCHAR',
      'category_uid INTEGER',
      'activity_name VARCHAR',
      'activity_id INTEGER',
      'action VARCHAR',
      'action_id INTEGER',
      'disposition VARCHAR',
      'type_uid BIGINT',
      'type_name VARCHAR',
      'unmapped MAP(VARCHAR, VARCHAR)',
      'observables STRUCT("name" VARCHAR, "value" VARCHAR, "type" VARCHAR, type_id INTEGER)[]',
    ]);
  });
});
