import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import type { EventBatch } from '../../src/decode/types.js';
import { type CompressionName, zstdAvailable } from '../../src/encode/parquet/codecs.js';
import { MAX_PAGE_BYTES, MAX_PAGE_ROWS } from '../../src/encode/parquet/pages.js';
import { createParquetEncoder, ParquetEncoder } from '../../src/encode/parquet.js';
import { DEFAULT_FORMAT, type FlowFormat, resolveFormat } from '../../src/formats/format.js';
import { duckdbForTests } from '../support/duckdb.js';
import { arrayBufferOf, pageSizes } from '../support/parquet-pages.js';
import { tempDir } from '../support/temp-dir.js';

const LINE_OK =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 49152 443 6 10 840 1580515178 1580515187 ACCEPT OK';
const LINE_NODATA = '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1580515178 1580515187 - NODATA';
const LINE_UNICODE =
  '2 unknown eni-ünïcødé-😀 2001:db8::1 2001:db8::2 22 22 17 9999999999 12345678901234 1580515200 1580515260 REJECT OK';

const dir = tempDir('flowlake-parquet-');
const duckdb = duckdbForTests();

interface EncodeOptions {
  rowGroupRows?: number;
  compression?: CompressionName;
  batchRows?: number;
}

async function encode(
  format: FlowFormat,
  lines: string[],
  timestamps: number[],
  options: EncodeOptions = {},
): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const encoder = new ParquetEncoder({
    format,
    out,
    rowGroupRows: options.rowGroupRows,
    compression: options.compression,
  });
  const step = options.batchRows ?? 1000;
  for (let i = 0; i < lines.length; i += step) {
    const batch: EventBatch = {
      format,
      formatKey: '',
      lines: lines.slice(i, i + step),
      timestamps: timestamps.slice(i, i + step),
    };
    await encoder.write(batch);
  }
  await encoder.finish();
  return Buffer.concat(chunks);
}

let fileCount = 0;
function save(bytes: Buffer): string {
  const path = join(dir, `t${fileCount++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  return (await duckdb.connection().runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('Parquet encoder', () => {
  it('writes the DESIGN §4 schema: timestamp (UTC ms) then `_` names with AWS Parquet types', async () => {
    const path = save(await encode(DEFAULT_FORMAT, [LINE_OK], [1580515187123]));
    const described = await duck(`DESCRIBE SELECT * FROM '${path}'`);
    assert.deepEqual(
      described.map((r) => [r.column_name, r.column_type]),
      [
        ['timestamp', 'TIMESTAMP WITH TIME ZONE'],
        ['version', 'INTEGER'],
        ['account_id', 'VARCHAR'],
        ['interface_id', 'VARCHAR'],
        ['srcaddr', 'VARCHAR'],
        ['dstaddr', 'VARCHAR'],
        ['srcport', 'INTEGER'],
        ['dstport', 'INTEGER'],
        ['protocol', 'INTEGER'],
        ['packets', 'BIGINT'],
        ['bytes', 'BIGINT'],
        ['start', 'BIGINT'],
        ['end', 'BIGINT'],
        ['action', 'VARCHAR'],
        ['log_status', 'VARCHAR'],
      ],
    );
    const schema = await duck(
      `SELECT name, type, converted_type, logical_type FROM parquet_schema('${path}') WHERE name = 'timestamp'`,
    );
    assert.equal(schema[0].type, 'INT64');
    assert.equal(schema[0].converted_type, 'TIMESTAMP_MILLIS');
    assert.match(String(schema[0].logical_type), /isAdjustedToUTC=1/);
  });

  it('keeps values and types, turns "-" into null, and reads the same in DuckDB and hyparquet', async () => {
    const lines = [LINE_OK, LINE_NODATA, LINE_UNICODE];
    const bytes = await encode(DEFAULT_FORMAT, lines, [1580515187123, Number.NaN, 1580515300999]);
    const path = save(bytes);
    const rows = await duck(`SELECT epoch_ms("timestamp") AS ms, * EXCLUDE ("timestamp") FROM '${path}'`);
    assert.deepEqual(rows[0], {
      ms: '1580515187123',
      version: 2,
      account_id: '123456789012',
      interface_id: 'eni-0a1b2c3d4e5f60718',
      srcaddr: '10.0.1.23',
      dstaddr: '52.94.1.10',
      srcport: 49152,
      dstport: 443,
      protocol: 6,
      packets: '10',
      bytes: '840',
      start: '1580515178',
      end: '1580515187',
      action: 'ACCEPT',
      log_status: 'OK',
    });
    // No event time: the flow's start, in ms. Every "-" is a null.
    assert.equal(rows[1].ms, String(1580515178 * 1000));
    for (const column of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action']) {
      assert.equal(rows[1][column], null, column);
    }
    assert.equal(rows[2].interface_id, 'eni-ünïcødé-😀');
    assert.equal(rows[2].packets, '9999999999');
    assert.equal(rows[2].bytes, '12345678901234');

    const objects = await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: PAGE_DECOMPRESSORS });
    assert.equal(objects.length, 3);
    assert.equal((objects[0].timestamp as Date).getTime(), 1580515187123);
    assert.equal(objects[0].srcport, 49152);
    assert.equal(objects[0].bytes, 840n);
    assert.equal(objects[1].srcaddr, null);
    assert.equal(objects[1].packets, null);
    assert.equal(objects[2].interface_id, 'eni-ünïcødé-😀');
    assert.equal(objects[2].end, 1580515260n);
  });

  it('writes a null timestamp when there is neither an event time nor a start', async () => {
    const format = resolveFormat('${version} ${start} ${action}');
    const path = save(await encode(format, ['2 - ACCEPT', '2 1580515178 REJECT'], [Number.NaN, Number.NaN]));
    const rows = await duck(`SELECT epoch_ms("timestamp") AS ms, start, action FROM '${path}'`);
    assert.deepEqual(rows, [
      { ms: null, start: null, action: 'ACCEPT' },
      { ms: '1580515178000', start: '1580515178', action: 'REJECT' },
    ]);
  });

  it('treats values that are not integers of the column type as null (int32 overflow, text)', async () => {
    const format = resolveFormat('${srcport} ${packets} ${tcp-flags}');
    const path = save(await encode(format, ['2147483648 x 3', '-1 -5 2147483647', '007 12 -'], [1, 2, 3]));
    const rows = await duck(`SELECT srcport, packets, tcp_flags FROM '${path}'`);
    assert.deepEqual(rows, [
      { srcport: null, packets: null, tcp_flags: 3 },
      { srcport: -1, packets: '-5', tcp_flags: 2147483647 },
      { srcport: 7, packets: '12', tcp_flags: null },
    ]);
  });

  it('bounds row groups and keeps every row across them, for each codec', async () => {
    const lines: string[] = [];
    const timestamps: number[] = [];
    for (let i = 0; i < 2500; i++) {
      const nodata = i % 7 === 0;
      lines.push(
        nodata
          ? `2 12345678901${i % 3} eni-${i % 40} - - - - - - - ${1580515178 + i} ${1580515238 + i} - NODATA`
          : `2 12345678901${i % 3} eni-${i % 40} 10.0.${i % 256}.${i % 13} 198.51.${i % 100}.${i} ${40000 + i} ${[443, 22, 3389][i % 3]} 6 ${i} ${i * 1000} ${1580515178 + i} ${1580515238 + i} ${i % 5 ? 'ACCEPT' : 'REJECT'} OK`,
      );
      timestamps.push(1580515178000 + i);
    }
    const codecs: CompressionName[] = ['snappy', 'gzip', 'none', ...(zstdAvailable() ? (['zstd'] as const) : [])];
    for (const compression of codecs) {
      const bytes = await encode(DEFAULT_FORMAT, lines, timestamps, { rowGroupRows: 600, compression, batchRows: 333 });
      const meta = parquetMetadata(arrayBufferOf(bytes));
      assert.deepEqual(
        meta.row_groups.map((g) => Number(g.num_rows)),
        [600, 600, 600, 600, 100],
      );
      const path = save(bytes);
      const [agg] = await duck(
        `SELECT count(*) AS n, count(srcaddr) AS with_addr, sum(bytes) AS bytes, min(dstaddr) AS min_dst, max(epoch_ms("timestamp")) AS last_ms FROM '${path}'`,
      );
      const expectedRows = lines.filter((_, i) => i % 7 !== 0);
      assert.equal(agg.n, '2500', compression);
      assert.equal(agg.with_addr, String(expectedRows.length));
      const expectedBytes = lines.reduce((sum, _, i) => (i % 7 === 0 ? sum : sum + i * 1000), 0);
      assert.equal(agg.bytes, String(expectedBytes));
      assert.equal(agg.last_ms, String(1580515178000 + 2499));
      // Row order and values survive every row group boundary.
      const sample = await duck(`SELECT srcport, dstaddr, action FROM '${path}' WHERE start = ${1580515178 + 601}`);
      assert.deepEqual(sample, [{ srcport: 40601, dstaddr: '198.51.1.601', action: 'ACCEPT' }]);
      const objects = await parquetReadObjects({
        file: arrayBufferOf(bytes),
        columns: ['srcport'],
        compressors: PAGE_DECOMPRESSORS,
      });
      assert.equal(objects.length, 2500);
      assert.equal(objects[1200].srcport, 41200);
    }
  });

  it('splits a column chunk into data pages of at most MAX_PAGE_ROWS rows and 1 MiB, and writes encoding_stats', async () => {
    // 150,000 rows in one row group: long distinct strings (plain, cut by bytes), a dictionary column and
    // numbers (cut by rows). Every page within bounds, every value in its row, in DuckDB and hyparquet.
    const lines: string[] = [];
    const pad = 'x'.repeat(40);
    for (let i = 0; i < 150_000; i++) {
      lines.push(
        `2 123456789012 eni-${pad}${i} 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 10.0.0.${i % 3} ${i % 60000} 443 6 ${i} ${i * 7} ${1580515178 + i} ${1580515238 + i} ACCEPT ${i % 9 ? 'OK' : 'NODATA'}`,
      );
    }
    const bytes = await encode(DEFAULT_FORMAT, lines, new Array(lines.length).fill(Number.NaN), {
      rowGroupRows: 200_000,
      batchRows: 4096,
    });
    const meta = parquetMetadata(arrayBufferOf(bytes));
    assert.equal(meta.row_groups.length, 1);
    for (const column of meta.row_groups[0].columns) {
      const name = column.meta_data?.path_in_schema.join('.');
      const stats = column.meta_data?.encoding_stats ?? [];
      const dataPages = stats.filter((s) => s.page_type === 'DATA_PAGE');
      assert.equal(dataPages.length, 1, `${name}: one encoding for its data pages`);
      if (column.meta_data?.dictionary_page_offset !== undefined) {
        assert.equal(dataPages[0].encoding, 'RLE_DICTIONARY', name);
        assert.deepEqual(
          stats.filter((s) => s.page_type === 'DICTIONARY_PAGE').map((s) => [s.encoding, s.count]),
          [['PLAIN', 1]],
          name,
        );
      } else assert.equal(dataPages[0].encoding, 'PLAIN', name);
      assert.ok(dataPages[0].count >= Math.ceil(150_000 / MAX_PAGE_ROWS), `${name}: ${dataPages[0].count} pages`);
    }
    const path = save(bytes);
    const [check] = await duck(
      `SELECT count(*) AS n, count(DISTINCT interface_id) AS enis, sum(srcport) AS ports, count(packets) AS p FROM '${path}'`,
    );
    const ports = lines.reduce((sum, _, i) => sum + (i % 60000), 0);
    assert.deepEqual(check, { n: '150000', enis: '150000', ports: String(ports), p: '150000' });
    const objects = await parquetReadObjects({
      file: arrayBufferOf(bytes),
      compressors: PAGE_DECOMPRESSORS,
      columns: ['interface_id', 'log_status'],
    });
    const wrong = objects.findIndex(
      (o, i) => o.interface_id !== `eni-${pad}${i}` || o.log_status !== (i % 9 ? 'OK' : 'NODATA'),
    );
    assert.equal(wrong, -1, `row ${wrong}`);
    // Page bodies as their headers give them: none over MAX_PAGE_BYTES of values (+ levels and header).
    for (const size of pageSizes(bytes)) assert.ok(size <= MAX_PAGE_BYTES + 64 * 1024, `a page of ${size} bytes`);
  });

  it('writes high-cardinality string columns as plain values and low-cardinality ones with a dictionary', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      lines.push(
        `2 123456789012 eni-1 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} 10.0.0.1 1 2 6 1 1 1580515178 1580515238 ACCEPT OK`,
      );
    }
    const bytes = await encode(DEFAULT_FORMAT, lines, new Array(lines.length).fill(1580515178000), {
      rowGroupRows: 8192,
    });
    const path = save(bytes);
    const chunks = await duck(
      `SELECT path_in_schema AS col, encodings FROM parquet_metadata('${path}') WHERE row_group_id = 2 AND path_in_schema IN ('srcaddr', 'dstaddr')`,
    );
    const byColumn = Object.fromEntries(chunks.map((c) => [c.col, String(c.encodings)]));
    assert.doesNotMatch(byColumn.srcaddr, /DICTIONARY/);
    assert.match(byColumn.dstaddr, /RLE_DICTIONARY/);
    const addresses = lines.map((l) => l.split(' ')[3]).sort();
    const [check] = await duck(
      `SELECT count(DISTINCT srcaddr) AS d, max(srcaddr) AS mx, min(srcaddr) AS mn FROM '${path}'`,
    );
    assert.deepEqual(check, { d: '20000', mx: addresses.at(-1), mn: addresses[0] });
    // Statistics agree with the data (readers use them to skip row groups).
    const [filtered] = await duck(`SELECT count(*) AS n FROM '${path}' WHERE srcaddr = '10.0.77.32'`);
    assert.equal(filtered.n, '1');
    const objects = await parquetReadObjects({
      file: arrayBufferOf(bytes),
      compressors: PAGE_DECOMPRESSORS,
      columns: ['srcaddr', 'dstaddr'],
    });
    assert.equal(objects[19_999].srcaddr, lines[19_999].split(' ')[3]);
    assert.equal(objects[19_999].dstaddr, '10.0.0.1');
  });

  it('switches a mostly-distinct column to plain values mid row group, keeping every value in its row', async () => {
    // Past the first 16,384 rows of a row group the encoder sees srcaddr is mostly distinct and switches it to
    // plain values: rows before and after the switch, nulls and non-ASCII values must all read back in place.
    const lines: string[] = [];
    const expected: (string | null)[] = [];
    for (let i = 0; i < 40_000; i++) {
      const src =
        i % 997 === 0 ? '-' : i % 1999 === 0 ? `fé${i}` : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expected.push(src === '-' ? null : src);
      lines.push(`2 123456789012 eni-1 ${src} 10.0.0.1 1 2 6 1 1 1580515178 1580515238 ACCEPT OK`);
    }
    const bytes = await encode(DEFAULT_FORMAT, lines, new Array(lines.length).fill(1580515178000), {
      batchRows: 4096,
    });
    const path = save(bytes);
    const [meta] = await duck(
      `SELECT encodings FROM parquet_metadata('${path}') WHERE row_group_id = 0 AND path_in_schema = 'srcaddr'`,
    );
    assert.doesNotMatch(String(meta.encodings), /DICTIONARY/);
    const objects = await parquetReadObjects({
      file: arrayBufferOf(bytes),
      compressors: PAGE_DECOMPRESSORS,
      columns: ['srcaddr'],
    });
    assert.equal(objects.length, expected.length);
    const wrong = objects.findIndex((o, i) => o.srcaddr !== expected[i]);
    assert.equal(wrong, -1, `row ${wrong}: ${objects[wrong]?.srcaddr} instead of ${expected[wrong]}`);
  });

  it('writes columns that hold only nulls in a row group', async () => {
    const path = save(await encode(DEFAULT_FORMAT, [LINE_NODATA, LINE_NODATA, LINE_NODATA], [1, 2, 3]));
    const [row] = await duck(
      `SELECT count(*) AS n, count(srcaddr) AS a, count(packets) AS p, max(log_status) AS s FROM '${path}'`,
    );
    assert.deepEqual(row, { n: '3', a: '0', p: '0', s: 'NODATA' });
  });

  it('produces a valid, empty file when finished without rows', async () => {
    const bytes = await encode(DEFAULT_FORMAT, [], []);
    const path = save(bytes);
    const [row] = await duck(`SELECT count(*) AS n FROM '${path}'`);
    assert.equal(row.n, '0');
    const described = await duck(`DESCRIBE SELECT * FROM '${path}'`);
    assert.equal(described.length, 15);
    const meta = parquetMetadata(arrayBufferOf(bytes));
    assert.equal(Number(meta.num_rows), 0);
    assert.equal(meta.row_groups.length, 0);
  });

  it('waits for a slow destination (backpressure) and ends it', async () => {
    const received: Buffer[] = [];
    let finished = false;
    const out = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, callback) {
        received.push(chunk);
        setTimeout(callback, 2);
      },
      final(callback) {
        finished = true;
        callback();
      },
    });
    const lines = Array.from({ length: 3000 }, (_, i) => LINE_OK.replace('49152', String(i)));
    const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out });
    await (encoder as ParquetEncoder).write({
      format: DEFAULT_FORMAT,
      formatKey: '',
      lines,
      timestamps: lines.map(() => 1),
    });
    await encoder.finish();
    assert.equal(finished, true);
    const path = save(Buffer.concat(received));
    const [row] = await duck(`SELECT count(*) AS n, sum(srcport) AS s FROM '${path}'`);
    assert.deepEqual(row, { n: '3000', s: String((2999 * 3000) / 2) });
  });

  it('types every field of a v5 format as AWS does', async () => {
    const format = resolveFormat('v5');
    const line = format.fields
      .map((f) => (f.type === 'string' ? `${f.column}-x` : f.name === 'version' ? '5' : '7'))
      .join(' ');
    const path = save(await encode(format, [line], [1]));
    const described = await duck(`DESCRIBE SELECT * FROM '${path}'`);
    const types = Object.fromEntries(described.map((r) => [r.column_name, r.column_type]));
    assert.equal(types.tcp_flags, 'INTEGER');
    assert.equal(types.traffic_path, 'INTEGER');
    assert.equal(types.pkt_src_aws_service, 'VARCHAR');
    assert.equal(types.flow_direction, 'VARCHAR');
    const [row] = await duck(`SELECT traffic_path, vpc_id FROM '${path}'`);
    assert.deepEqual(row, { traffic_path: 7, vpc_id: 'vpc_id-x' });
  });
});
