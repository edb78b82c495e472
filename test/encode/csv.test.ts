import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createCsvEncoder, csvHeader, csvValue } from '../../src/encode/csv.js';
import type { FlowFormat } from '../../src/formats/format.js';
import { DEFAULT_FORMAT, resolveFormat } from '../../src/formats/format.js';
import { flowLine, makeInterfaces } from '../../src/sample/flows.js';
import { Random } from '../../src/sample/random.js';
import { LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';

async function encode(format: FlowFormat, rows: Array<[number, string]>, batchSize = 1000): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const encoder = createCsvEncoder({ format, out });
  for (let i = 0; i < rows.length; i += batchSize) {
    const part = rows.slice(i, i + batchSize);
    await encoder.write({ format, formatKey: '', timestamps: part.map((r) => r[0]), lines: part.map((r) => r[1]) });
  }
  await encoder.finish();
  return Buffer.concat(chunks);
}

describe('CSV.gz encoder', () => {
  it('writes the exact v2 header, the ISO event time and the values as in the log', async () => {
    assert.equal(
      csvHeader(DEFAULT_FORMAT),
      'timestamp,version,account-id,interface-id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log-status',
    );
    const text = gunzipSync(
      await encode(DEFAULT_FORMAT, [
        [1580515178123, LINE_OK],
        [1580515178123, LINE_NODATA],
        [1580515179005, LINE_OK],
      ]),
    ).toString();
    assert.equal(
      text,
      [
        csvHeader(DEFAULT_FORMAT),
        `2020-01-31T23:59:38.123Z,${LINE_OK.replaceAll(' ', ',')}`,
        `2020-01-31T23:59:38.123Z,${LINE_NODATA.replaceAll(' ', ',')}`,
        `2020-01-31T23:59:39.005Z,${LINE_OK.replaceAll(' ', ',')}`,
        '',
      ].join('\n'),
    );
  });

  it('uses the flow start as the time when the input has no event time, and leaves it empty without one', async () => {
    const noStart = resolveFormat('${version} ${srcaddr}');
    const a = gunzipSync(await encode(DEFAULT_FORMAT, [[Number.NaN, LINE_OK]]))
      .toString()
      .split('\n')[1];
    assert.ok(a.startsWith('2020-01-31T23:59:38.000Z,2,'));
    const b = gunzipSync(await encode(noStart, [[Number.NaN, '2 10.0.0.1']]))
      .toString()
      .split('\n')[1];
    assert.equal(b, ',2,10.0.0.1');
  });

  it('formats times of every millisecond and second exactly as Date.toISOString', async () => {
    const rows: Array<[number, string]> = [];
    for (let t = 1580515178000 - 1500; t < 1580515178000 + 1500; t += 7) rows.push([t, '2 x']);
    const format = resolveFormat('${version} ${account-id}');
    const lines = gunzipSync(await encode(format, rows, 100))
      .toString()
      .trim()
      .split('\n')
      .slice(1);
    assert.deepEqual(
      lines.map((l) => l.split(',')[0]),
      rows.map(([t]) => new Date(t).toISOString()),
    );
  });

  it('quotes per RFC 4180 and neutralises formula starters; a lone "-" stays', () => {
    assert.equal(csvValue('-'), '-');
    assert.equal(csvValue('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvValue('+1'), "'+1");
    assert.equal(csvValue('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvValue('-2+3'), "'-2+3");
    assert.equal(csvValue('-5'), '-5');
    assert.equal(csvValue('a,b'), '"a,b"');
    assert.equal(csvValue('eni-123'), 'eni-123');
  });

  it('takes the careful path only for rows that need it', async () => {
    const format = resolveFormat('${version} ${account-id} ${tcp-flags} ${vpc-id}');
    const text = gunzipSync(
      await encode(format, [
        [0, '2 123 - vpc-1'],
        [0, '2 =cmd|calc 3 a,b'],
        [0, '2 123 -1+2 "q"'],
      ]),
    ).toString();
    assert.deepEqual(text.trim().split('\n').slice(1), [
      '1970-01-01T00:00:00.000Z,2,123,-,vpc-1',
      `1970-01-01T00:00:00.000Z,2,'=cmd|calc,3,"a,b"`,
      `1970-01-01T00:00:00.000Z,2,123,'-1+2,"""q"""`,
    ]);
  });

  it('keeps non-ASCII values intact', async () => {
    const format = resolveFormat('${version} ${ecs-service-name}');
    const text = gunzipSync(await encode(format, [[0, '7 dienst-ü-日本']])).toString();
    assert.equal(text.split('\n')[1], '1970-01-01T00:00:00.000Z,7,dienst-ü-日本');
  });

  it('compresses flow logs to within 10% of gzip -6', async () => {
    const random = new Random(5);
    const interfaces = makeInterfaces(random, 10);
    const rows: Array<[number, string]> = [];
    for (let i = 0; i < 30000; i++) {
      const end = 1580515178 + (i >> 6);
      rows.push([end * 1000 + random.int(0, 999), flowLine(random, DEFAULT_FORMAT, interfaces[(i >> 7) % 10], end)]);
    }
    const ours = await encode(DEFAULT_FORMAT, rows);
    const reference = execFileSync('gzip', ['-6', '-c'], { input: gunzipSync(ours), maxBuffer: 1 << 28 });
    assert.ok(ours.length <= reference.length * 1.1, `${ours.length} > 1.1 × ${reference.length}`);
  });
});
