import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { convert } from '../../src/convert/run.js';
import { filesUnder } from '../support/files.js';
import { dataEnvelope, firehoseObject, gz, LINE_OK, type TestEvent } from '../support/flow-inputs.js';
import { tempDir } from '../support/temp-dir.js';

/** Accepted flows that differ in port and bytes, so a big object does not compress to nothing. */
function events(count: number): TestEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1580515178000,
    message: `2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 ${1024 + (i % 60000)} 443 6 10 ${840 + i * 7} 1580515178 1580515187 ACCEPT OK`,
  }));
}

const csvRows = (file: string) => gunzipSync(readFileSync(file)).toString().trimEnd().split('\n').slice(1);
const jsonlRows = (file: string) => gunzipSync(readFileSync(file)).toString().trimEnd().split('\n');

describe('small objects (one-call gunzip and gzip) against big ones (zlib streams)', () => {
  it('give the same rows, and bytesOut is the size of what was written', async () => {
    const src = tempDir();
    const dst = tempDir();
    const all = events(20_000);
    const big = firehoseObject([dataEnvelope(all.slice(0, 10_000)), dataEnvelope(all.slice(10_000))]);
    const small = firehoseObject([dataEnvelope(all.slice(0, 100))]);
    // Gzip around gzip, as Firehose writes with compression on: both layers take the one-call path.
    const nested = gz(small);
    assert.ok(big.length > 64 * 1024, 'the big object streams');
    assert.ok(small.length < 4 * 1024, 'the small object is gunzipped in one call');
    writeFileSync(join(src, 'big'), big);
    writeFileSync(join(src, 'small'), small);
    writeFileSync(join(src, 'nested'), nested);

    const report = await convert(src, dst, { to: ['csv', 'jsonl'] });
    assert.deepEqual(report.objects, { total: 3, converted: 3, skipped: 0, failed: 0 });
    assert.equal(report.rows, 20_200);
    const outputs = filesUnder(dst).filter((f) => !f.startsWith('_flowlake/'));
    assert.deepEqual(outputs, [
      'big.csv.gz',
      'big.jsonl.gz',
      'nested.csv.gz',
      'nested.jsonl.gz',
      'small.csv.gz',
      'small.jsonl.gz',
    ]);
    const written = outputs.reduce((sum, f) => sum + statSync(join(dst, f)).size, 0);
    assert.equal(report.bytesOut, written);

    const bigCsv = csvRows(join(dst, 'big.csv.gz'));
    assert.equal(bigCsv.length, 20_000);
    assert.deepEqual(csvRows(join(dst, 'small.csv.gz')), bigCsv.slice(0, 100));
    assert.deepEqual(csvRows(join(dst, 'nested.csv.gz')), bigCsv.slice(0, 100));
    assert.deepEqual(jsonlRows(join(dst, 'small.jsonl.gz')), jsonlRows(join(dst, 'big.jsonl.gz')).slice(0, 100));
  });

  it('a small object holding more than the one-call bound streams instead, and loses no row', async () => {
    const src = tempDir();
    const dst = tempDir();
    const same = events(2_000).map((e) => ({ ...e, message: LINE_OK }));
    const envelope = dataEnvelope(same);
    for (const e of envelope.logEvents as { id: string }[]) e.id = '3'.repeat(56); // compresses to nothing
    const many = Array.from({ length: 12 }, () => JSON.stringify(envelope));
    const body = gz(many.join(''));
    assert.ok(body.length < 64 * 1024, `compressed ${body.length} bytes: small`);
    assert.ok(many.join('').length > 2 * 1024 * 1024, 'inflates past 2 MiB');
    writeFileSync(join(src, 'dense'), body);
    const report = await convert(src, dst, {});
    assert.deepEqual(report.objects, { total: 1, converted: 1, skipped: 0, failed: 0 });
    assert.equal(report.rows, 24_000);
    assert.equal(csvRows(join(dst, 'dense.csv.gz')).length, 24_000);
  });
});
