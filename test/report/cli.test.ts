import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { flowlake } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { fixtureFlows, MINER } from './fixture-flows.js';
import { writeFixtureOutputs } from './fixture-outputs.js';

describe('flowlake report', () => {
  const data = writeFixtureOutputs(tempDir(), fixtureFlows());

  it('writes one page, replacing an existing one whole, and names it on stderr', () => {
    const out = tempDir();
    const page = join(out, 'report.html');
    writeFileSync(page, 'an older page');
    const run = flowlake('report', data, '--html', page);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /wrote .*report\.html \(\d+(\.\d)? KiB, \d+ findings\)/);
    const html = readFileSync(page, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes(MINER.address));
    assert.deepEqual(readdirSync(out), ['report.html'], 'no temp file left');
  });

  it('runs ioc with --ioc FILE, and mining counts the listed pool', () => {
    const out = tempDir();
    const list = join(out, 'pools.txt');
    writeFileSync(list, `# pools\n${MINER.pool}/32\n`);
    const page = join(out, 'report.html');
    const run = flowlake('report', data, '--html', page, '--ioc', list);
    assert.equal(run.code, 0, run.stderr);
    const html = readFileSync(page, 'utf8');
    const ioc = html.slice(html.indexOf('id="hunt-ioc"'));
    assert.match(ioc.slice(0, ioc.indexOf('</section>')), new RegExp(MINER.pool.replaceAll('.', '\\.')));
  });

  it('exits 1 with what it found, writing no page, for an empty folder, data that is not flow logs, or an empty window', () => {
    const out = tempDir();
    const page = join(out, 'report.html');
    const empty = tempDir();
    const garbage = tempDir();
    writeFileSync(join(garbage, 'notes.txt'), 'these are not flow logs\n');
    for (const [src, extra, message] of [
      [empty, [], /no flow data/],
      [garbage, [], /no flow data/],
      [data, ['--since', '2030-01-01'], /no flow records in .* since 2030-01-01/],
    ] as const) {
      const run = flowlake('report', src, '--html', page, '--cache', join(out, 'cache'), '--quiet', ...extra);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(existsSync(page), false);
    }
  });

  it('exits 2 for a page in a folder that does not exist, before reading anything', () => {
    const run = flowlake('report', data, '--html', join(tempDir(), 'missing', 'report.html'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--html .*: the folder .*missing does not exist/);
    const noHtml = flowlake('report', data);
    assert.equal(noHtml.code, 2);
    assert.match(noHtml.stderr, /--html <file>/);
  });
});

describe('flowlake hunt --html', () => {
  it("writes one hunt's page with its findings and their charts, and prints nothing", () => {
    const data = writeFixtureOutputs(tempDir(), fixtureFlows());
    const out = join(tempDir(), 'pages');
    mkdirSync(out);
    const page = join(out, 'mining.html');
    const run = flowlake('hunt', 'mining', data, '--html', page);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /wrote .*mining\.html \(1 findings?\)/);
    const html = readFileSync(page, 'utf8');
    assert.ok(html.includes('id="hunt-mining"'));
    assert.equal(html.match(/<section class="hunt/g)?.length, 1);
    assert.ok(html.includes(MINER.address));
    assert.match(html, /<td class="spark"><svg/);
  });
});
