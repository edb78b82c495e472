import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FlowsSession, openFlows } from '../../src/query/index.js';
import { buildPage, gatherReport, NoRecordsError, type ReportData } from '../../src/report/index.js';
import { writeFileAtomically } from '../../src/report/write.js';
import { tempDir } from '../support/temp-dir.js';
import { fixtureFlows, MINER, T0 } from './fixture-flows.js';
import { writeFixtureOutputs } from './fixture-outputs.js';

describe('the report over a fixture estate', () => {
  const flows = fixtureFlows();
  const hostile = '<script>alert(1)</script>';
  let session: FlowsSession;
  let data: ReportData;
  let html: string;
  before(async () => {
    const withHostile = [...flows, { ...flows[0], interface_id: `eni-${hostile}`, dstaddr: `x"><img src=//e.x>` }];
    session = await openFlows(writeFixtureOutputs(tempDir(), withHostile));
    data = await gatherReport(session, { now: new Date('2020-02-02T00:00:00Z') });
    html = buildPage(data);
  });
  after(() => session.close());

  it('counts the totals the records hold', () => {
    const all = [...flows, flows[0]];
    assert.equal(data.totals.records, all.length);
    assert.equal(data.totals.accepted, all.filter((f) => f.action === 'ACCEPT').length);
    assert.equal(data.totals.rejected, all.filter((f) => f.action === 'REJECT').length);
    assert.equal(data.totals.nodata, all.filter((f) => f.log_status === 'NODATA').length);
    assert.equal(data.totals.skipdata, 1);
    assert.equal(
      data.totals.bytes,
      all.reduce((n, f) => n + (f.bytes ?? 0), 0),
    );
    assert.equal(data.totals.interfaces, 5);
    assert.equal(data.totals.firstStart, Math.min(...all.map((f) => f.start)));
  });

  it('puts the miner first in mining, with its activity in every bucket of its span', () => {
    const mining = data.hunts.find((h) => h.name === 'mining');
    assert.ok(mining && !mining.skipped);
    assert.equal(mining.findings[0].srcaddr, MINER.address);
    const activity = mining.activity[0];
    assert.ok(activity);
    const minerFlows = flows.filter((f) => f.srcaddr === MINER.address);
    assert.equal(
      activity.points.reduce((n, p) => n + p.value, 0),
      minerFlows.length,
    );
    // One flow every five minutes: every five-minute bucket of the twelve hours has one.
    assert.equal(activity.grain.seconds, 300);
    assert.equal(activity.points.length, minerFlows.length);
  });

  it('draws the timeline from accepted and rejected flows only, per bucket', () => {
    const timeline = data.timeline;
    assert.ok(timeline);
    assert.deepEqual([...new Set(timeline.points.map((p) => p.action))].sort(), ['ACCEPT', 'REJECT']);
    const withAction = [...flows, flows[0]].filter((f) => f.action !== null);
    assert.equal(
      timeline.points.reduce((n, p) => n + p.flows, 0),
      withAction.length,
    );
  });

  it('leaves the silent hours of an interface out of the coverage map and ranks it among those with gaps', () => {
    const coverage = data.coverage;
    assert.ok(coverage);
    const gapInterface = 'eni-0ccccccccccccccc3';
    const cells = coverage.cells.filter((c) => c.iface === gapInterface);
    const silent = coverage.buckets.filter((t) => t >= T0 + 4 * 3600 && t < T0 + 6 * 3600);
    assert.ok(silent.length > 0);
    for (const t of silent)
      assert.equal(
        cells.find((c) => c.t === t),
        undefined,
      );
    assert.ok(cells.length > 0);
    const lost = coverage.cells.find((c) => c.skipdata > 0);
    assert.equal(lost?.t, T0 + 7 * 3600 + 1800 - ((T0 + 7 * 3600 + 1800) % coverage.grain.seconds));
  });

  it('skips ioc without an address list and says so', () => {
    const ioc = data.hunts.find((h) => h.name === 'ioc');
    assert.match(ioc?.skipped ?? '', /--ioc FILE/);
    assert.equal(
      data.hunts.find((h) => h.name === 'ip'),
      undefined,
    );
  });

  it('shows alerts with findings before the overview, and the rest after it', () => {
    const at = (id: string) => html.indexOf(`id="${id}"`);
    assert.ok(at('hunt-mining') > 0);
    assert.ok(at('hunt-mining') < at('overview'));
    assert.ok(at('overview') < at('hunt-talkers'));
    assert.ok(at('overview') < at('hunt-scan'), 'an alert without findings waits below');
  });

  it('is one file with no script and no way to fetch anything, whatever the logs hold', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
    assert.ok(html.includes('eni-&lt;script&gt;alert(1)&lt;/script&gt;'));
    // Every chart is inline SVG with data marks.
    const charts = html.match(/<svg[^>]*class="fl-plot"/g) ?? [];
    assert.ok(charts.length >= 5, `charts: ${charts.length}`);
  });
});

describe('the report with nothing to show', () => {
  it('throws NoRecordsError naming the source and the window', async () => {
    const dir = writeFixtureOutputs(tempDir(), fixtureFlows().slice(0, 10));
    const since = '2030-01-01T00:00:00Z';
    const session = await openFlows(dir, { since });
    try {
      await assert.rejects(
        gatherReport(session, { since }),
        (err: Error) => err instanceof NoRecordsError && err.message.includes(`since ${since}`),
      );
    } finally {
      await session.close();
    }
  });
});

describe('writing the page', () => {
  it('replaces an existing file whole and leaves no temp file', async () => {
    const dir = tempDir();
    const file = join(dir, 'report.html');
    writeFileSync(file, 'old page');
    await writeFileAtomically(file, 'new page');
    assert.equal(readFileSync(file, 'utf8'), 'new page');
    assert.deepEqual(readdirSync(dir), ['report.html']);
  });

  it('fails on a folder that does not exist and writes nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'missing', 'report.html');
    await assert.rejects(writeFileAtomically(file, 'page'), /ENOENT/);
    assert.equal(existsSync(join(dir, 'missing')), false);
  });
});

describe('the page from plain data', () => {
  const base: ReportData = {
    source: 'plain data',
    generatedAt: '2020-02-02T00:00:00.000Z',
    totals: {
      records: 10,
      bytes: 2048,
      accepted: 9,
      rejected: 1,
      nodata: 0,
      skipdata: 0,
      interfaces: 1,
      firstStart: 1_580_515_200,
      lastStart: 1_580_518_800,
    },
    timeline: null,
    topTalkers: [],
    topPorts: [],
    coverage: null,
    hunts: [],
  };
  const section = (findings: ReportData['hunts'][number]['findings']): ReportData['hunts'][number] => ({
    name: 'egress',
    summary: 'what left',
    ranking: 'bytes',
    kind: 'context',
    columns: Object.keys(findings[0]).map((name) => ({ name, type: name === 'bytes' ? 'HUGEINT' : 'VARCHAR' })),
    findings,
    more: false,
    metric: 'bytes',
    activity: findings.map(() => null),
  });

  it('shows the head of long lists with their count, or that the hunt cut them', () => {
    const cut = Array.from({ length: 20 }, (_, i) => String(1000 + i)).join(',');
    const html = buildPage({ ...base, hunts: [section([{ ports: cut, pools: 'a,b,c,d,e', bytes: 3 * 1024 ** 2 }])] });
    assert.match(html, /1000, 1001, … \(20 or more\)/);
    assert.match(html, /a, b, … \(5 in all\)/);
    assert.match(html, /title="3,145,728 bytes">3\.0 MiB</);
  });

  it('draws no chart where a finding has no activity, and no overview without its data', () => {
    const findings = [
      { srcaddr: '10.0.0.1', bytes: null },
      { srcaddr: '10.0.0.2', bytes: 5 },
    ];
    const html = buildPage({ ...base, hunts: [section(findings)] });
    assert.doesNotMatch(html, /<svg/);
    assert.doesNotMatch(html, /id="overview"/);
    assert.match(html, /<td class="null">—<\/td>/);
  });
});
