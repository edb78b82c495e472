import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { convertBetween, type RunProgress } from '../../src/convert/run.js';
import type { ObjectInfo } from '../../src/storage/types.js';
import { dataEnvelope, firehoseObject, LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';
import { MemoryDestination, MemorySource } from '../support/memory-storage.js';
import { tempDir } from '../support/temp-dir.js';

const body = firehoseObject([
  dataEnvelope([
    { timestamp: 1580515178000, message: LINE_OK },
    { timestamp: 1580515178000, message: LINE_NODATA },
  ]),
]);
const info = (i: number): ObjectInfo => ({
  key: `2020/02/01/00/obj-${String(i).padStart(4, '0')}`,
  size: body.length,
  etag: `e${i}`,
});

describe('a run streams: listing, results and progress', () => {
  it('starts converting while the listing is still paging', async () => {
    let firstResult: () => void = () => {};
    const converted = new Promise<void>((resolve) => (firstResult = resolve));
    let convertedBeforeSecondPage = false;
    const source = new MemorySource(
      async function* () {
        for (let i = 0; i < 3; i++) yield info(i);
        // The second page is listed only once an object of the first has been converted: a run that lists
        // everything before converting would never get past here (the guard below ends the wait then).
        const guard = new Promise<'guard'>((resolve) => setTimeout(() => resolve('guard'), 20_000).unref());
        convertedBeforeSecondPage = (await Promise.race([converted.then(() => 'converted'), guard])) === 'converted';
        for (let i = 3; i < 6; i++) yield info(i);
      },
      () => body,
    );
    const progress: RunProgress[] = [];
    const report = await convertBetween(source, new MemoryDestination(), {
      onResult: () => firstResult(),
      onProgress: (p) => progress.push(p),
    });
    assert.equal(convertedBeforeSecondPage, true);
    assert.deepEqual(report.objects, { total: 6, converted: 6, skipped: 0, failed: 0 });
    // Progress showed a growing total while listing, then the final one.
    const whileListing = progress.filter((p) => p.listing);
    assert.ok(whileListing.length > 0);
    assert.ok(whileListing.every((p) => p.objectsTotal < 6));
    const last = progress.at(-1);
    assert.deepEqual(last && { ...last }, {
      objectsDone: 6,
      objectsTotal: 6,
      bytesDone: 6 * body.length,
      bytesTotal: 6 * body.length,
      rows: 12,
      failed: 0,
      listing: false,
    });
  });

  it('keeps only a bounded number of results in memory, totals over all, every one in the report file', async () => {
    const n = 50;
    const bad = new Set([7, 21, 33]);
    const source = new MemorySource(
      () => Array.from({ length: n }, (_, i) => info(i)),
      (key) => (bad.has(Number(key.slice(-4))) ? Buffer.from('not a flow log\u0000') : body),
    );
    const reportFile = join(tempDir(), 'report.json');
    const progress: RunProgress[] = [];
    const report = await convertBetween(source, new MemoryDestination(), {
      keepResults: 5,
      reportFile,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(report.objects, { total: n, converted: n - 3, skipped: 0, failed: 3 });
    assert.equal(report.rows, (n - 3) * 2);
    assert.equal(report.results.length, 5);
    assert.equal(report.resultsOmitted, n - 5);
    // Progress counts failures as they come (a running count, not a recount over the results).
    const failedSeen = progress.map((p) => p.failed);
    assert.deepEqual([...new Set(failedSeen)], [0, 1, 2, 3]);

    const written = JSON.parse(readFileSync(reportFile, 'utf8'));
    assert.deepEqual(Object.keys(written), [
      'tool',
      'version',
      'source',
      'destination',
      'startedAt',
      'seconds',
      'objects',
      'rows',
      'rejectedRows',
      'rejectedByReason',
      'controlMessages',
      'bytesIn',
      'bytesOut',
      'failures',
      'warnings',
      'results',
    ]);
    assert.deepEqual(written.objects, report.objects);
    assert.equal(written.results.length, n);
    assert.deepEqual(
      new Set(written.results.map((r: { key: string }) => r.key)),
      new Set(Array.from({ length: n }, (_, i) => info(i).key)),
    );
    assert.deepEqual(
      written.failures.map((f: { key: string }) => f.key).sort(),
      [...bad].map((i) => info(i).key),
    );
    assert.match(written.failures[0].error, /unrecognised content/);
  });

  it('converts several objects at once on one thread, never more than --in-flight', async () => {
    let open = 0;
    let most = 0;
    const source = new MemorySource(
      () => Array.from({ length: 40 }, (_, i) => info(i)),
      () => body,
    );
    // Reads that complete on a later turn of the event loop, as a network store's do.
    source.openRead = async () => {
      open++;
      most = Math.max(most, open);
      await new Promise((resolve) => setImmediate(resolve));
      const stream = Readable.from([body]);
      stream.once('close', () => open--);
      return stream;
    };
    const report = await convertBetween(source, new MemoryDestination(), { inFlight: 8 });
    assert.equal(report.objects.converted, 40);
    assert.ok(most > 1, `objects read at once: ${most}`);
    assert.ok(most <= 8, `objects read at once: ${most}`);
  });
});
