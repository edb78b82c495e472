import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createJsonlEncoder } from '../../src/encode/jsonl.js';
import { DEFAULT_FORMAT, type FlowFormat, resolveFormat } from '../../src/formats/format.js';
import { typeToken } from '../../src/formats/values.js';

const LINE_OK =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 49152 443 6 10 840 1580515178 1580515187 ACCEPT OK';
const LINE_NODATA = '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1580515178 1580515187 - NODATA';

async function encode(format: FlowFormat, lines: string[], timestamps: number[]): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const encoder = createJsonlEncoder({ format, out });
  for (let i = 0; i < lines.length; i += 500) {
    await encoder.write({
      format,
      formatKey: '',
      lines: lines.slice(i, i + 500),
      timestamps: timestamps.slice(i, i + 500),
    });
  }
  await encoder.finish();
  const text = gunzipSync(Buffer.concat(chunks)).toString('utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'));
  return text
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('JSONL.gz encoder', () => {
  it('writes one object per row with Parquet names and types', async () => {
    const [row] = await encode(DEFAULT_FORMAT, [LINE_OK], [1580515187123]);
    assert.deepEqual(row, {
      timestamp: '2020-01-31T23:59:47.123Z',
      version: 2,
      account_id: '123456789012',
      interface_id: 'eni-0a1b2c3d4e5f60718',
      srcaddr: '10.0.1.23',
      dstaddr: '52.94.1.10',
      srcport: 49152,
      dstport: 443,
      protocol: 6,
      packets: 10,
      bytes: 840,
      start: 1580515178,
      end: 1580515187,
      action: 'ACCEPT',
      log_status: 'OK',
    });
    assert.deepEqual(Object.keys(row)[0], 'timestamp');
  });

  it('writes "-" as null and falls back to the start time when there is no event time', async () => {
    const [row] = await encode(DEFAULT_FORMAT, [LINE_NODATA], [Number.NaN]);
    assert.equal(row.timestamp, '2020-01-31T23:59:38.000Z');
    for (const key of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action']) {
      assert.equal(row[key], null, key);
    }
    assert.equal(row.log_status, 'NODATA');
  });

  it('escapes strings, normalises integers and nulls what is not an integer of the type', async () => {
    const format = resolveFormat('${interface-id} ${srcport} ${packets} ${tcp-flags} ${start}');
    const rows = await encode(format, ['a"b\\c\u0001ü 007 -5 2147483648 -', 'x 0 12 3 -'], [Number.NaN, 5]);
    assert.deepEqual(rows[0], {
      timestamp: null,
      interface_id: 'a"b\\c\u0001ü',
      srcport: 7,
      packets: -5,
      tcp_flags: null,
      start: null,
    });
    assert.deepEqual(rows[1], {
      timestamp: '1970-01-01T00:00:00.005Z',
      interface_id: 'x',
      srcport: 0,
      packets: 12,
      tcp_flags: 3,
      start: null,
    });
  });

  it('types every token exactly as typeToken does (the rule Parquet shares)', async () => {
    const format = resolveFormat('${vpc-id} ${srcport} ${bytes} ${traffic-path}');
    const cases = [
      '-',
      '0',
      '00',
      '-0',
      '-12',
      '1e3',
      '12a',
      '4294967296',
      '2147483647',
      '-2147483648',
      '99999999999999999',
      'ü',
    ];
    const lines = cases.map((t) => `${t} ${t} ${t} ${t}`);
    const rows = await encode(
      format,
      lines,
      lines.map(() => 0),
    );
    rows.forEach((row, i) => {
      const t = cases[i];
      assert.deepEqual(row, {
        timestamp: '1970-01-01T00:00:00.000Z',
        vpc_id: typeToken(t, 'string'),
        srcport: typeToken(t, 'int32'),
        bytes: typeToken(t, 'int64'),
        traffic_path: typeToken(t, 'int32'),
      });
    });
    assert.equal(typeToken('4294967296', 'int32'), null);
    assert.equal(typeToken('4294967296', 'int64'), 4294967296);
    assert.equal(typeToken('-', 'string'), null);
  });

  it('keeps every row of a large input, in order', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => LINE_OK.replace('49152', String(i)));
    const rows = await encode(
      DEFAULT_FORMAT,
      lines,
      lines.map((_, i) => 1580515187000 + i),
    );
    assert.equal(rows.length, 30_000);
    assert.equal(rows[29_999].srcport, 29_999);
    assert.equal(rows[12_345].timestamp, new Date(1580515187000 + 12_345).toISOString());
  });

  it('writes a valid empty gzip when finished without rows', async () => {
    assert.deepEqual(await encode(DEFAULT_FORMAT, [], []), []);
  });
});
