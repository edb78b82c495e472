import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { REJECT_KEEP_BYTES, rejectEntry } from '../../src/convert/rejects.js';
import { convert } from '../../src/convert/run.js';
import { LINE_OK } from '../support/flow-inputs.js';
import { tempDir } from '../support/temp-dir.js';

describe('rejects keep at most 4 KiB of a record and its length', () => {
  it('keeps a short record whole, without a length', () => {
    assert.deepEqual(rejectEntry('why', 'short line'), { reason: 'why', record: 'short line' });
    const exactly = 'x'.repeat(REJECT_KEEP_BYTES);
    assert.deepEqual(rejectEntry('why', exactly), { reason: 'why', record: exactly });
  });

  it('cuts a long record to its first 4 KiB, at a character boundary', () => {
    const ascii = rejectEntry('why', 'a'.repeat(10_000));
    assert.deepEqual(ascii, { reason: 'why', record: 'a'.repeat(4096), length: 10_000, truncated: true });
    // 'é' is two bytes, '😀' four: the cut falls inside a character and backs off to its start.
    const wide = rejectEntry('why', `é${'😀'.repeat(2000)}`);
    assert.equal(wide.length, 2 + 4 * 2000);
    assert.equal(wide.truncated, true);
    assert.equal(wide.record, `é${'😀'.repeat(1023)}`);
    assert.ok(Buffer.byteLength(wide.record) <= REJECT_KEEP_BYTES);
  });

  it('a converted object with a 200 KB line that does not fit writes 4 KiB of it to the rejects file', async () => {
    const src = tempDir();
    const dst = tempDir();
    const junk = `2 ${'junk'.repeat(50_000)}`;
    writeFileSync(join(src, 'mixed.log'), `${LINE_OK}\n${junk}\n${LINE_OK}\n`);
    const report = await convert(src, dst, { concurrency: 1 });
    assert.equal(report.objects.converted, 1);
    assert.equal(report.rows, 2);
    const lines = gunzipSync(readFileSync(join(dst, '_flowlake/rejects/mixed.log.rejects.jsonl.gz')))
      .toString()
      .trim()
      .split('\n');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]) as { reason: string; record: string; length: number; truncated: boolean };
    assert.equal(entry.record, junk.slice(0, REJECT_KEEP_BYTES));
    assert.equal(entry.length, Buffer.byteLength(junk));
    assert.equal(entry.truncated, true);
    assert.equal(entry.reason, 'too few values (format has 14)');
  });
});
