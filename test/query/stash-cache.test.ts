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
import { acquireLock } from '../../src/lake/lock.js';
import { isVisible, readLakeView } from '../../src/lake/visible.js';
import { stashCacheDir } from '../../src/query/cache.js';
import { openFlows } from '../../src/query/index.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { LocalStorage } from '../../src/storage/local.js';
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
    // What the cache shows is compacted; the files it replaced wait out their grace, retired.
    const dir = stashCacheDir(cache, { url: stash });
    const lake = new LocalStorage(dir);
    const view = await readLakeView(lake);
    const data = filesUnder(dir).filter((f) => f.endsWith('.parquet'));
    const shown = data.filter((f) => isVisible(view, f));
    assert.ok(shown.length > 0 && shown.every((f) => parseCompactedKey(f)));
    assert.ok(data.filter((f) => parseRecentKey(f)).every((f) => !isVisible(view, f)));

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

  it('waits for another question filling the same cache, then uses what it made; two at once agree', async () => {
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 30, events: 100, seed: 44 });
    const cache = tempDir();
    // Another run holds the cache (its convert lock), and lets go a moment later.
    const dir = stashCacheDir(cache, { url: stash });
    mkdirSync(join(dir, '_flowlake'), { recursive: true });
    const held = await acquireLock(new LocalStorage(dir), 'convert', 'flowlake convert (another question)');
    const busy: string[] = [];
    const waiting = openFlows(stash, { cache, onCacheBusy: (m) => busy.push(m) });
    for (let i = 0; i < 200 && busy.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 600)); // several polls while it waits
    assert.equal(busy.length, 1, 'told once that it waits');
    assert.match(busy[0], /locked by flowlake convert \(another question\)/);
    await held.release();
    const session = await waiting;
    await session.close();

    // Two questions at once over a fresh cache: one converts, the other waits for it; the same rows for both.
    const fresh = tempDir();
    const [a, b] = await Promise.all([flowsDigest(stash, fresh), flowsDigest(stash, fresh)]);
    assert.deepEqual(a, b);
    assert.deepEqual(a, await flowsDigest(stash, tempDir()));
  });

  it('gives up waiting after cacheWaitMs, naming the holder', async () => {
    const stash = tempDir();
    await writeSampleStash(stash, { objects: 3, events: 50, seed: 45 });
    const cache = tempDir();
    const dir = stashCacheDir(cache, { url: stash });
    mkdirSync(join(dir, '_flowlake'), { recursive: true });
    const held = await acquireLock(new LocalStorage(dir), 'convert', 'flowlake convert (stuck)');
    try {
      await assert.rejects(openFlows(stash, { cache, cacheWaitMs: 300 }), /locked by flowlake convert \(stuck\)/);
    } finally {
      await held.release();
    }
  });
});
