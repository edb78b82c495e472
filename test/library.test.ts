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

  it('maps one flow-log line to an OCSF Network Activity event', () => {
    const plan = flowlake.planOcsf(flowlake.resolveFormat('v2'), { flowRegion: 'eu-west-1' });
    const result = flowlake.mapFlowLine(
      plan,
      '2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1580515200 1580515260 REJECT OK',
    );
    assert.equal(result.reason, undefined);
    const json = flowlake.toOcsfJson(result.record as flowlake.OcsfRecord);
    assert.equal(json.type_uid, 400105);
    assert.equal(json.time_dt, '2020-02-01T00:00:00.000Z');
    assert.deepEqual(flowlake.partitionOf(result.record as flowlake.OcsfRecord), {
      region: 'eu-west-1',
      accountId: '123456789012',
      eventDay: '20200201',
    });
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
