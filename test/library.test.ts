import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as flowlake from '../src/index.js';
import { tempDir } from './support/temp-dir.js';

describe('the library entry point', () => {
  it('converts a stash with the same function the CLI uses', async () => {
    const stash = tempDir();
    const out = tempDir();
    const sample = await flowlake.writeSampleStash(stash, { objects: 3, events: 100, seed: 9 });
    const report = await flowlake.convert(stash, out, { concurrency: 1 });
    assert.equal(report.objects.converted, 3);
    assert.equal(report.rows, sample.events);
    assert.equal(report.controlMessages, sample.controlMessages);
  });

  it('reports the version package.json has', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(flowlake.VERSION, pkg.version);
  });

  it('the package resolves `flowlake` to the built entry point', async () => {
    const built: Record<string, unknown> = await import('flowlake');
    assert.equal(typeof built.convert, 'function');
    assert.equal(typeof built.convertObject, 'function');
  });
});
