/** Claims on source objects (src/lake/claims.ts): exclusive while live, taken over once abandoned. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { CLAIM_STALE_MS, claimKey, claimObject, releaseClaim } from '../../src/lake/claims.js';
import { LocalStorage } from '../../src/storage/local.js';
import { tempDir } from '../support/temp-dir.js';

const KEY = '2020/02/01/00/stream-1-2020-02-01-00-00-00-abc';
const now = Date.parse('2026-12-04T12:00:00Z');

describe('claims on source objects', () => {
  it('go to one holder at a time, and to the next once released', async () => {
    const dest = new LocalStorage(tempDir());
    assert.deepEqual(await claimObject(dest, KEY, 'a', now), { claimed: true });
    assert.deepEqual(await claimObject(dest, KEY, 'b', now + 1000), { claimed: false, holder: 'a' });
    await releaseClaim(dest, KEY);
    assert.deepEqual(await claimObject(dest, KEY, 'b', now + 2000), { claimed: true });
  });

  it('are taken over once abandoned (a holder that died), and when unreadable', async () => {
    const dest = new LocalStorage(tempDir());
    await claimObject(dest, KEY, 'a', now);
    assert.deepEqual(await claimObject(dest, KEY, 'b', now + CLAIM_STALE_MS - 1), { claimed: false, holder: 'a' });
    assert.deepEqual(await claimObject(dest, KEY, 'b', now + CLAIM_STALE_MS + 1), { claimed: true });
    const path = join(dest.root, claimKey('other'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'not json');
    assert.deepEqual(await claimObject(dest, 'other', 'c', now), { claimed: true });
  });
});
