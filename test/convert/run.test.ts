import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { convert } from '../../src/convert/run.js';
import { filesUnder } from '../support/files.js';
import { dataEnvelope, firehoseObject, gz, LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';
import { tempDir } from '../support/temp-dir.js';

function put(dir: string, key: string, body: Buffer | string): void {
  mkdirSync(join(dir, key, '..'), { recursive: true });
  writeFileSync(join(dir, key), body);
}

const goodObject = () =>
  firehoseObject([
    dataEnvelope([
      { timestamp: 1580515178000, message: LINE_OK },
      { timestamp: 1580515178000, message: LINE_NODATA },
    ]),
  ]);

describe('a run over a folder', () => {
  for (const concurrency of [1, 2]) {
    it(`converts good objects and fails bad ones alone, leaving nothing of them (concurrency ${concurrency})`, async () => {
      const src = tempDir();
      const dst = tempDir();
      put(src, '2020/02/01/00/good-1', goodObject());
      put(src, '2020/02/01/00/good-2.gz', goodObject());
      put(src, '2020/02/01/00/truncated', goodObject().subarray(0, 40));
      put(src, '2020/02/01/00/garbage', Buffer.from([1, 2, 3, 0, 255]));
      put(src, '2020/02/01/00/empty', Buffer.alloc(0));
      put(src, '2020/02/01/00/corrupt-json', Buffer.concat([goodObject(), gz('{"messageType":"DATA_MESSAGE",}')]));
      const report = await convert(src, dst, { concurrency });
      assert.deepEqual(report.objects, { total: 6, converted: 3, skipped: 0, failed: 3 });
      assert.deepEqual(
        report.failures.map((f) => f.key),
        ['2020/02/01/00/corrupt-json', '2020/02/01/00/garbage', '2020/02/01/00/truncated'],
      );
      assert.match(report.failures[0].error, /^invalid JSON in envelope 2 at byte [\d,]+ /);
      assert.match(report.failures[1].error, /^unrecognised content: binary byte 0x01 at byte 0/);
      assert.match(report.failures[2].error, /^truncated gzip stream after 40 bytes$/);
      assert.equal(report.rows, 4);
      assert.deepEqual(filesUnder(dst), [
        '2020/02/01/00/good-1.csv.gz',
        '2020/02/01/00/good-2.csv.gz',
        '_flowlake/done/2020/02/01/00/empty.json',
        '_flowlake/done/2020/02/01/00/good-1.json',
        '_flowlake/done/2020/02/01/00/good-2.gz.json',
      ]);
      const csv = gunzipSync(readFileSync(join(dst, '2020/02/01/00/good-1.csv.gz'))).toString();
      assert.equal(csv.trim().split('\n').length, 3);
    });
  }

  it('skips complete outputs on a re-run, converts again with --force or when the source changed', async () => {
    const src = tempDir();
    const dst = tempDir();
    put(src, 'a', goodObject());
    put(src, 'b', goodObject());
    const first = await convert(src, dst, { concurrency: 1 });
    assert.equal(first.objects.converted, 2);
    const second = await convert(src, dst, { concurrency: 1 });
    assert.deepEqual(second.objects, { total: 2, converted: 0, skipped: 2, failed: 0 });
    put(src, 'b', firehoseObject([dataEnvelope([{ timestamp: 1, message: LINE_OK }])]));
    const third = await convert(src, dst, { concurrency: 1 });
    assert.deepEqual(third.objects, { total: 2, converted: 1, skipped: 1, failed: 0 });
    const forced = await convert(src, dst, { concurrency: 1, force: true });
    assert.equal(forced.objects.converted, 2);
    const otherFormat = await convert(src, dst, {
      concurrency: 1,
      fields: 'v2',
      region: 'x',
      layout: 'mirror',
      to: ['csv'],
    });
    assert.equal(otherFormat.objects.skipped, 2, 'the same conversion spelled differently still counts as done');
  });

  it('keeps rows that do not fit the format in a rejects file and counts them by reason', async () => {
    const src = tempDir();
    const dst = tempDir();
    put(src, 'mixed', gz(`${LINE_OK}\n2 too few values\n${LINE_OK} extra\n${LINE_NODATA}\n`));
    const report = await convert(src, dst, { concurrency: 1 });
    assert.equal(report.objects.converted, 1);
    assert.equal(report.rows, 2);
    assert.equal(report.rejectedRows, 2);
    assert.deepEqual(report.rejectedByReason, {
      'too few values (format has 14)': 1,
      'too many values (format has 14)': 1,
    });
    const rejects = gunzipSync(readFileSync(join(dst, '_flowlake/rejects/mixed.rejects.jsonl.gz')))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(rejects, [
      { reason: 'too few values (format has 14)', record: '2 too few values' },
      { reason: 'too many values (format has 14)', record: `${LINE_OK} extra` },
    ]);
  });

  it('fails an object none of whose lines fits the format', async () => {
    const src = tempDir();
    const dst = tempDir();
    put(src, 'not-flow-logs.txt', 'hello world\nthis is not a flow log\n');
    const report = await convert(src, dst, { concurrency: 1 });
    assert.equal(report.objects.failed, 1);
    assert.match(report.failures[0].error, /no record fits the flow-log format \(2 rejected\)/);
    assert.deepEqual(filesUnder(dst), []);
  });

  it('writes the hive layout, split by the UTC hour of start', async () => {
    const src = tempDir();
    const dst = tempDir();
    const nextHour = LINE_OK.replace('1580515178 1580515187', '1580518800 1580518860');
    put(
      src,
      'obj',
      firehoseObject([
        dataEnvelope([
          { timestamp: 1580515178000, message: LINE_OK },
          { timestamp: 1580518800000, message: nextHour },
        ]),
      ]),
    );
    const report = await convert(src, dst, { concurrency: 1, layout: 'hive', region: 'eu-west-1' });
    assert.equal(report.objects.converted, 1);
    const prefix = 'AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1';
    // One file per partition per run lane, named by the run (the lake's coalesced writes), not by the object.
    const files = filesUnder(dst).filter((f) => !f.startsWith('_flowlake'));
    assert.deepEqual(
      files.map((f) => f.replace(/\/\d{8}T\d{6}Z-[0-9a-f]{6}-0-\d+\.csv\.gz$/, '/RUN.csv.gz')),
      [
        `${prefix}/year=2020/month=01/day=31/hour=23/RUN.csv.gz`,
        `${prefix}/year=2020/month=02/day=01/hour=01/RUN.csv.gz`,
      ],
    );
  });
});
