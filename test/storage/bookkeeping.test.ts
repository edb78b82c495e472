import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convertBetween } from '../../src/convert/run.js';
import { resolveFormat } from '../../src/formats/format.js';
import { isBookkeepingKey, splitBookkeeping } from '../../src/storage/bookkeeping.js';
import { LocalStorage } from '../../src/storage/local.js';
import { lineOf } from '../ocsf/lines.js';
import { filesUnder } from '../support/files.js';
import { dataEnvelope, firehoseObject } from '../support/flow-inputs.js';
import { tempDir } from '../support/temp-dir.js';

const DAY1 = 1580515200; // 2020-02-01T00:00:00Z

/** Two Firehose objects of v5 lines, one with a line that does not fit the format (a rejects file). */
function stash(dir: string): void {
  const v5 = resolveFormat('v5');
  for (const i of [0, 1]) {
    const folder = join(dir, '2020', '02', '01', `0${i}`);
    mkdirSync(folder, { recursive: true });
    const events = [0, 1, 2].map((k) => ({
      timestamp: (DAY1 + k) * 1000,
      message: lineOf(v5, { start: String(DAY1 + 60 * k), end: String(DAY1 + 60 * k + 30) }),
    }));
    if (i === 1) events.push({ timestamp: DAY1 * 1000, message: 'not a flow record' });
    writeFileSync(join(folder, `stream-${i}`), firehoseObject([dataEnvelope(events)]));
  }
}

describe('splitBookkeeping: data files in one place, _flowlake/ in another', () => {
  it('routes keys and listing prefixes by the bookkeeping folder', () => {
    assert.equal(isBookkeepingKey('_flowlake/done/a.json'), true);
    assert.equal(isBookkeepingKey('_flowlake'), true);
    assert.equal(isBookkeepingKey('_flowlakes/a'), false);
    assert.equal(isBookkeepingKey('region=us-east-1/_flowlake/a'), false);
  });

  it('converts to OCSF with only Parquet files in the data place; its markers and rejects elsewhere', async () => {
    const src = tempDir('flowlake-split-src-');
    const data = tempDir('flowlake-split-data-');
    const books = tempDir('flowlake-split-books-');
    stash(src);
    const dest = () => splitBookkeeping(new LocalStorage(data), new LocalStorage(books));
    const options = { to: ['ocsf'] as const, fields: 'v5', layout: 'ocsf' as const };
    const first = await convertBetween(new LocalStorage(src), dest(), options);
    assert.equal(first.objects.converted, 2);
    const dataFiles = filesUnder(data);
    assert.ok(dataFiles.length > 0);
    for (const f of dataFiles)
      assert.match(f, /^region=eu-west-1\/accountId=123456789012\/eventDay=20200201\/[^/]+\.parquet$/);
    const bookkeeping = filesUnder(books);
    assert.ok(bookkeeping.every((f) => f.startsWith('_flowlake/')));
    assert.ok(bookkeeping.includes('_flowlake/done/2020/02/01/00/stream-0.json'));
    assert.ok(bookkeeping.some((f) => f.startsWith('_flowlake/rejects/2020/02/01/01/stream-1')));
    // The markers are read back from the bookkeeping place: a second run skips both objects.
    const second = await convertBetween(new LocalStorage(src), dest(), options);
    assert.equal(second.objects.skipped, 2);
    assert.deepEqual(filesUnder(data), dataFiles);
  });
});
