import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { decodeParquet, isParquet } from '../../src/decode/parquet-input.js';
import { DecodeError, type EventBatch } from '../../src/decode/types.js';
import { createParquetEncoder } from '../../src/encode/parquet.js';
import { DEFAULT_FORMAT } from '../../src/formats/format.js';
import { tempDir } from '../support/temp-dir.js';

const LINE_OK =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 49152 443 6 10 840 1580515178 1580515187 ACCEPT OK';
const LINE_NODATA = '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1580515178 1580515187 - NODATA';

async function collect(bytes: Buffer): Promise<EventBatch[]> {
  const batches: EventBatch[] = [];
  for await (const batch of decodeParquet(bytes, 'test-object')) batches.push(batch);
  return batches;
}

describe('Parquet input (shape C)', () => {
  it('recognises the PAR1 magic', () => {
    assert.equal(isParquet(Buffer.from('PAR1\x15\x00')), true);
    assert.equal(isParquet(Buffer.from('PAR')), false);
    assert.equal(isParquet(Buffer.from('{"messageType"')), false);
  });

  it('turns flowlake Parquet back into the original lines and event times', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out });
    await encoder.write({
      format: DEFAULT_FORMAT,
      formatKey: '',
      lines: [LINE_OK, LINE_NODATA],
      timestamps: [1580515187123, Number.NaN],
    });
    await encoder.finish();
    const batches = await collect(Buffer.concat(chunks));
    assert.equal(batches.length, 1);
    assert.equal(batches[0].format.text, DEFAULT_FORMAT.text);
    assert.deepEqual(batches[0].lines, [LINE_OK, LINE_NODATA]);
    // The timestamp column is the event time (for NODATA it was the start, as written).
    assert.deepEqual(batches[0].timestamps, [1580515187123, 1580515178000]);
  });

  it('reads AWS-style Parquet (GZIP, `_` column names, typed columns, nulls) over several row groups', async () => {
    const dir = tempDir('flowlake-parquet-in-');
    const path = join(dir, 'aws.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (
        SELECT 5::INTEGER AS version, '123456789012' AS account_id, 'eni-' || i AS interface_id,
          CASE WHEN i % 10 = 0 THEN NULL ELSE '10.0.0.' || (i % 250) END AS srcaddr,
          (i % 60000)::INTEGER AS srcport, (i * 1000)::BIGINT AS bytes, (1580515178 + i)::BIGINT AS start,
          CASE WHEN i % 2 = 0 THEN 'ingress' ELSE 'egress' END AS flow_direction,
          CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 8)::INTEGER END AS traffic_path
        FROM range(250) t(i)
      ) TO '${path}' (FORMAT parquet, COMPRESSION gzip, ROW_GROUP_SIZE 100)`);
    con.closeSync();
    db.closeSync();
    const batches = await collect(readFileSync(path));
    const format = batches[0].format;
    assert.deepEqual(
      format.fields.map((f) => f.name),
      [
        'version',
        'account-id',
        'interface-id',
        'srcaddr',
        'srcport',
        'bytes',
        'start',
        'flow-direction',
        'traffic-path',
      ],
    );
    assert.deepEqual(format.unknownNames, []);
    const lines = batches.flatMap((b) => b.lines);
    assert.equal(lines.length, 250);
    assert.equal(lines[0], '5 123456789012 eni-0 - 0 0 1580515178 ingress -');
    assert.equal(lines[7], '5 123456789012 eni-7 10.0.0.7 7 7000 1580515185 egress 7');
    assert.equal(lines[249], '5 123456789012 eni-249 10.0.0.249 249 249000 1580515427 egress -');
    assert.ok(batches.every((b) => b.timestamps.every((t) => Number.isNaN(t))));
  });

  it('fails the object with a DecodeError when the bytes are not Parquet', async () => {
    await assert.rejects(collect(Buffer.from('PAR1 but not really a parquet file')), DecodeError);
    await assert.rejects(collect(Buffer.from('hello')), DecodeError);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out });
    await encoder.write({ format: DEFAULT_FORMAT, formatKey: '', lines: [LINE_OK], timestamps: [1] });
    await encoder.finish();
    const whole = Buffer.concat(chunks);
    // Footer intact, data pages damaged.
    const damaged = Buffer.from(whole);
    damaged.fill(0xff, 4, 60);
    await assert.rejects(collect(damaged), DecodeError);
  });
});
