/**
 * The cache of a raw stash is a compacted lake (DESIGN §10): the first question converts and compacts it, a
 * second one over the same listing starts no conversion at all, and a changed stash converts only what changed.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ObjectResult } from '../../src/convert/types.js';
import { parseCompactedKey, parseRecentKey } from '../../src/lake/lake-keys.js';
import { openFlows } from '../../src/query/index.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { filesUnder } from '../support/files.js';
import { flowsDigest } from '../support/lake-digest.js';
import { tempDir } from '../support/temp-dir.js';

/** Opens the stash through `cache`, and returns what conversion reported per object (nothing: none ran). */
async function question(stash: string, cache: string): Promise<ObjectResult['status'][]> {
  const statuses: ObjectResult['status'][] = [];
  const session = await openFlows(stash, { cache, onConvertResult: (r) => statuses.push(r.status) });
  await session.close();
  return statuses;
}

describe('the stash cache', () => {
  it('is compacted, is reused without a conversion while the stash is unchanged, and takes only what changed', async () => {
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 40, events: 100, seed: 41 });
    const cache = tempDir();

    const first = await question(stash, cache);
    assert.equal(first.length, 40);
    assert.ok(first.every((s) => s === 'converted'));
    const data = filesUnder(cache).filter((f) => f.endsWith('.parquet'));
    assert.ok(data.length > 0 && data.every((f) => parseCompactedKey(f.replace(/^stashes\/[^/]+\//, ''))));
    assert.equal(data.filter((f) => parseRecentKey(f.replace(/^stashes\/[^/]+\//, ''))).length, 0);

    assert.deepEqual(await question(stash, cache), [], 'an unchanged stash starts no conversion');
    assert.deepEqual(await flowsDigest(stash, cache), await flowsDigest(stash, tempDir()));

    const more = tempDir();
    await writeSampleStash(more, { objects: 1, events: 100, seed: 42, startTime: 1_580_601_600 });
    const [added] = filesUnder(more);
    mkdirSync(join(stash, 'late'));
    copyFileSync(join(more, added), join(stash, 'late', 'object'));
    const third = await question(stash, cache);
    assert.equal(third.filter((s) => s === 'converted').length, 1, 'only the new object converts');
    assert.equal(third.filter((s) => s === 'skipped').length, 40);
    assert.deepEqual(await flowsDigest(stash, cache), await flowsDigest(stash, tempDir()));
  });

  it('is not taken as complete while an object fails: the next question tries it again', async () => {
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 5, events: 100, seed: 43 });
    writeFileSync(join(stash, 'broken.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    const cache = tempDir();
    const first = await question(stash, cache);
    assert.equal(first.filter((s) => s === 'failed').length, 1);
    const second = await question(stash, cache);
    assert.deepEqual(
      second.filter((s) => s !== 'skipped'),
      ['failed'],
    );
  });
});
