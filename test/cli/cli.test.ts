import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { RunReport } from '../../src/convert/types.js';
import { flowlake } from '../support/cli.js';
import { filesUnder } from '../support/files.js';
import { tempDir } from '../support/temp-dir.js';

describe('the flowlake command', () => {
  it('samples a stash, converts it and reads back every output', () => {
    const stash = tempDir();
    const out = tempDir();
    const sample = flowlake('sample', stash, '--objects', '5', '--events', '400', '--seed', '3');
    assert.equal(sample.code, 0, sample.stderr);
    assert.match(sample.stderr, /wrote 5 objects \(2,000 events, \d+ control messages/);
    const reportFile = join(out, 'report.json');
    const run = flowlake('convert', stash, out, '--report', reportFile, '--concurrency', '2');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /5 converted, 0 skipped \(already complete\), 0 failed of 5 objects/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    assert.equal(report.rows, 2000);
    const files = filesUnder(out)
      .filter((key) => key.endsWith('.csv.gz') && !key.startsWith('_flowlake/'))
      .map((key) => join(out, key));
    assert.equal(files.length, 5);
    let rows = 0;
    for (const file of files) {
      const lines = gunzipSync(readFileSync(file)).toString().trim().split('\n');
      assert.equal(lines[0].split(',')[0], 'timestamp');
      for (const line of lines.slice(1)) assert.equal(line.split(',').length, 15, line);
      rows += lines.length - 1;
      assert.ok(relative(out, file).match(/^2020\/02\/01\/\d\d\/central-vpc-flow-logs-1-.*\.csv\.gz$/), file);
    }
    assert.equal(rows, 2000);
    const again = flowlake('convert', stash, out);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /0 converted, 5 skipped/);
  });

  it('exits 1 naming each failed object and its reason, in the report too; the rest convert', () => {
    const stash = tempDir();
    const out = tempDir();
    flowlake('sample', stash, '--objects', '2', '--events', '50');
    writeFileSync(join(stash, 'broken'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]));
    const reportFile = join(out, 'report.json');
    const run = flowlake('convert', stash, join(out, 'x'), '--report', reportFile, '--quiet');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /flowlake: failed: broken: truncated gzip stream after 12 bytes/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    assert.deepEqual(report.failures, [{ key: 'broken', error: 'truncated gzip stream after 12 bytes' }]);
    assert.equal(report.objects.converted, 2);
  });

  it('writes the report inside a destination the run has yet to make (as npm start does)', () => {
    const stash = tempDir();
    const dir = tempDir();
    flowlake('sample', stash, '--objects', '2', '--events', '50');
    const out = join(dir, 'not', 'yet');
    const run = flowlake('convert', stash, out, '--report', join(out, 'report.json'), '--quiet');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    assert.equal(report.objects.converted, 2);
    assert.deepEqual(
      filesUnder(out).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('exits 2 on bad usage', () => {
    assert.equal(flowlake('convert').code, 2);
    assert.equal(flowlake('convert', 'a', 'b', '--to', 'xlsx').code, 2);
    const badFormat = flowlake('convert', 'a', 'b', '--fields', '${version} ${version}');
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /appears twice/);
    assert.equal(flowlake('frobnicate').code, 2);
    const missing = flowlake('convert', 'no/such/folder', 'out');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no\/such\/folder: no such file or folder/);
    assert.equal(flowlake('--help').code, 0);
  });
});
