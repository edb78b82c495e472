import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FlowsSession, openFlows } from '../../src/query/index.js';
import { PLANTED, writeIncidentStash } from '../../src/sample/incidents.js';
import { tempDir } from '../support/temp-dir.js';

type Row = Record<string, unknown>;

/** Each hunt over the planted stash finds its case, and none of the decoys planted beside it. */
describe('hunts over a stash with planted behaviour', () => {
  const dir = tempDir();
  let session: FlowsSession;
  let withIoc: FlowsSession;
  const P = PLANTED;

  before(async () => {
    await writeIncidentStash(join(dir, 'stash'), { seed: 3 });
    const pools = join(dir, 'pools.txt');
    await writeFile(pools, `# pools\n${P.miner.pool}\n${P.miner.pool443}/32\n`);
    session = await openFlows(join(dir, 'stash'), { cache: join(dir, 'cache') });
    withIoc = await openFlows(join(dir, 'stash'), { cache: join(dir, 'cache'), ioc: pools });
  });
  after(async () => {
    await session?.close();
    await withIoc?.close();
  });

  const rows = async (s: FlowsSession, name: string, options = {}) => (await s.hunt(name, options, 0)).rows as Row[];

  it('mining ranks the steady miner first, the office-hours API client far below, and no decoy at all', async () => {
    const found = await rows(session, 'mining');
    assert.equal(found[0].srcaddr, P.miner.address);
    assert.equal(found[0].interface_id, P.miner.eni);
    assert.equal(found[0].active_days, 3);
    assert.equal(found[0].active_hours, 72);
    const web = found.find((r) => r.srcaddr === P.decoys.webApi.address);
    assert.ok(web, 'the 8080 client is listed (a port ordinary services share)');
    assert.ok((found[0].score as number) > 5 * (web.score as number), 'but ranked far below the miner');
    const actors = found.map((r) => r.srcaddr);
    for (const decoy of [
      P.decoys.blocked.address,
      P.decoys.inbound.address,
      P.decoys.internal.address,
      P.decoys.inbound.remote,
    ]) {
      assert.ok(!actors.includes(decoy), `${decoy} is not a miner`);
    }
    assert.equal(found[0].pools, 1, 'the pool over 443 needs the address list');
  });

  it('mining --ioc adds the pool reachable only over 443', async () => {
    const [miner] = await rows(withIoc, 'mining');
    assert.equal(miner.srcaddr, P.miner.address);
    assert.equal(miner.pools, 2);
    assert.equal(miner.ports, '443,3333');
  });

  it('scan finds the vertical scan and the horizontal sweep, not the scans under the thresholds', async () => {
    const found = await rows(session, 'scan');
    const vertical = found.filter((r) => r.kind === 'vertical');
    const horizontal = found.filter((r) => r.kind === 'horizontal');
    assert.deepEqual(
      vertical.map((r) => [r.srcaddr, r.target, r.distinct_ports]),
      [[P.verticalScan.source, P.verticalScan.target, P.verticalScan.ports]],
    );
    assert.deepEqual(
      horizontal.map((r) => [r.srcaddr, r.target, r.distinct_hosts]),
      [[P.sweep.source, `port ${P.sweep.port}`, P.sweep.hosts]],
    );
    // Lower thresholds bring the small ones in: the defaults are what keeps them out.
    const sensitive = await rows(session, 'scan', { ports: 20, hosts: 50 });
    const sources = sensitive.map((r) => r.srcaddr);
    assert.ok(sources.includes(P.smallScan.source) && sources.includes(P.smallSweep.source));
  });

  it('exposed finds SSH accepted from the internet, not the rejected or internal attempts', async () => {
    const found = await rows(session, 'exposed');
    assert.equal(found[0].srcaddr, P.ssh.source);
    assert.equal(found[0].dstaddr, P.ssh.target);
    assert.equal(found[0].dstport, 22);
    assert.equal(found[0].service, 'ssh');
    const sources = found.map((r) => r.srcaddr);
    assert.ok(!sources.includes(P.ssh.rejectedSource));
    assert.ok(!sources.includes(P.ssh.privateSource));
  });

  it('egress puts the large transfer out first, never the bigger internal backup or download', async () => {
    const found = await rows(session, 'egress');
    assert.deepEqual(
      [found[0].srcaddr, found[0].dstaddr, found[0].bytes],
      [P.transfer.source, P.transfer.destination, P.transfer.bytes],
    );
    for (const r of found) {
      assert.notEqual(r.srcaddr, P.backup.source);
      assert.notEqual(r.dstaddr, P.download.destination);
    }
  });

  it('talkers by pair puts the backup first; by ip and eni and port rank by bytes too', async () => {
    const pairs = await rows(session, 'talkers');
    assert.deepEqual([pairs[0].srcaddr, pairs[0].dstaddr], [P.backup.source, P.backup.destination]);
    const ips = await rows(session, 'talkers', { by: 'ip' });
    assert.ok([P.backup.source, P.backup.destination].some((a) => a === ips[0].address));
    const enis = await rows(session, 'talkers', { by: 'eni' });
    assert.equal(enis[0].interface_id, P.transfer.eni);
    const ports = await rows(session, 'talkers', { by: 'port' });
    assert.equal(ports[0].dstport, 443);
    for (const list of [pairs, ips, enis, ports]) {
      const bytes = list.map((r) => r.bytes as number);
      assert.deepEqual(
        bytes,
        [...bytes].sort((a, b) => b - a),
      );
    }
  });

  it('rejected lists the scanner as the top rejected source and its target as the top destination', async () => {
    const found = await rows(session, 'rejected');
    const first = (kind: string) => found.find((r) => r.kind === kind && r.rank === 1);
    assert.equal(first('source')?.value, P.verticalScan.source);
    assert.equal(first('destination')?.value, P.verticalScan.target);
    assert.equal(first('port')?.value, `${P.sweep.port}/6`);
  });

  it('new finds the destination first reached on the last day, and not the usual upstream', async () => {
    const found = await rows(session, 'new');
    assert.deepEqual([found[0].interface_id, found[0].dstaddr], [P.newDestination.eni, P.newDestination.first]);
    assert.ok(!found.some((r) => r.dstaddr === P.newDestination.usual));
    // With the baseline ending before the miner started, its pool is new too.
    const all = await rows(session, 'new', { 'baseline-until': '2020-01-31T00:00:00Z' });
    assert.ok(all.some((r) => r.dstaddr === P.miner.pool));
  });

  it('coverage shows the silent hours and NODATA of the quiet interface and the SKIPDATA of the lossy one', async () => {
    const found = await rows(session, 'coverage');
    const quietDay2 = found.find((r) => r.interface_id === P.quiet.eni && String(r.day).startsWith('2020-02-02'));
    assert.ok(quietDay2);
    assert.equal(quietDay2.hours_without_records, 12);
    assert.equal(quietDay2.nodata, 12);
    const lossy = found.find((r) => r.interface_id === P.lossy.eni && (r.skipdata as number) > 0);
    assert.equal(lossy?.day, '2020-02-03T00:00:00.000Z');
    assert.equal(found[0].interface_id, P.lossy.eni, 'days with SKIPDATA come first');
  });

  it('ioc reports flows touching listed addresses, per indicator and pair', async () => {
    const found = await rows(withIoc, 'ioc');
    const pairs = new Set(found.map((r) => `${r.srcaddr}>${r.dstaddr}:${r.action}`));
    assert.ok(pairs.has(`${P.miner.address}>${P.miner.pool}:ACCEPT`));
    assert.ok(pairs.has(`${P.miner.address}>${P.miner.pool443}:ACCEPT`));
    assert.ok(pairs.has(`${P.decoys.blocked.address}>${P.miner.pool}:REJECT`));
    const miner = found.find((r) => r.dstaddr === P.miner.pool && r.srcaddr === P.miner.address);
    assert.equal(miner?.flows, 72 * 6);
  });

  it('ip returns every flow of a CIDR in time order, whole rows', async () => {
    const found = (await withIoc.hunt('ip', { targets: [`${P.miner.pool443}/32`] }, 0)).rows as Row[];
    assert.equal(found.length, 72 * 4);
    const starts = found.map((r) => r.start as number);
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
    );
    assert.ok('log_status' in found[0] && 'timestamp' in found[0]);
  });
});

describe('hunts on a format beyond v2', () => {
  it('use pkt-dstaddr to see a miner behind a NAT gateway, and fill instance_id', async () => {
    const dir = tempDir();
    await writeIncidentStash(join(dir, 'stash'), { format: 'v5', seed: 4 });
    const session = await openFlows(join(dir, 'stash'), { cache: join(dir, 'cache'), fields: 'v5' });
    try {
      const found = (await session.hunt('mining', {}, 0)).rows as Row[];
      const viaNat = found.find((r) => r.interface_id === PLANTED.natGateway.eni);
      assert.equal(viaNat?.srcaddr, PLANTED.miner.address, 'the NAT gateway records point at the miner');
      assert.equal(viaNat?.pool_addresses, PLANTED.miner.pool);
      const own = found.find((r) => r.interface_id === PLANTED.miner.eni);
      assert.equal(own?.instance_id, PLANTED.miner.instance);
    } finally {
      await session.close();
    }
  });
});
