import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FlowFormat } from '../formats/format.js';
import { formatLine, SAMPLE_FORMATS, type SampleFormatName } from './flows.js';
import { Random } from './random.js';

/**
 * A stash with planted behaviour for the hunts to find, among ordinary traffic: three days of Firehose objects
 * (one per hour). What is planted, and the decoys each hunt must not report, are in PLANTED.
 */
export const PLANTED = {
  start: 1_580_515_200, // 2020-02-01T00:00:00Z
  hours: 72,
  miner: {
    eni: 'eni-0a1b2c3d4e5f60001',
    address: '10.0.5.23',
    instance: 'i-0a1b2c3d4e5f60001',
    pool: '45.76.33.10',
    pool443: '203.0.113.66',
  },
  natGateway: { eni: 'eni-0a1b2c3d4e5f6000a', address: '10.0.0.220' },
  decoys: {
    webApi: { eni: 'eni-0a1b2c3d4e5f60002', address: '10.0.6.40', remote: '93.184.216.34' }, // port 8080, office hours
    blocked: { eni: 'eni-0a1b2c3d4e5f60003', address: '10.0.7.7' }, // to the pool on 3333, rejected
    inbound: { eni: 'eni-0a1b2c3d4e5f60004', address: '10.0.8.8', remote: '45.76.99.99' }, // public → private:4444
    internal: { eni: 'eni-0a1b2c3d4e5f60005', address: '10.0.9.1', peer: '10.0.9.2' }, // private → private:3333
  },
  verticalScan: { source: '198.51.100.23', target: '10.0.1.10', eni: 'eni-0a1b2c3d4e5f60006', ports: 300, hour: 26 },
  smallScan: { source: '198.51.100.24', target: '10.0.1.11', ports: 30 },
  sweep: { eni: 'eni-0a1b2c3d4e5f60007', source: '10.0.9.9', port: 445, hosts: 150, hour: 40 },
  smallSweep: { source: '10.0.9.10', port: 22, hosts: 80 },
  ssh: {
    source: '198.51.100.77',
    target: '10.0.2.15',
    eni: 'eni-0a1b2c3d4e5f60008',
    rejectedSource: '198.51.100.78',
    privateSource: '10.0.3.3',
  },
  transfer: {
    eni: 'eni-0a1b2c3d4e5f60009',
    source: '10.0.3.30',
    destination: '52.95.1.20',
    bytes: 5_000_000_000,
    hour: 50,
  },
  backup: { source: '10.0.3.31', destination: '10.0.4.4', bytes: 20_000_000_000 },
  download: { source: '52.95.1.21', destination: '10.0.3.32', bytes: 8_000_000_000 },
  quiet: { eni: 'eni-0a1b2c3d4e5f6000b', address: '10.0.4.50', silentHours: [24, 36], nodataHours: [36, 48] },
  lossy: { eni: 'eni-0a1b2c3d4e5f6000c', address: '10.0.4.51', skipdataHour: 53 },
  newDestination: {
    eni: 'eni-0a1b2c3d4e5f6000d',
    address: '10.0.4.20',
    usual: '151.101.1.69',
    first: '185.220.101.5',
    hour: 60,
  },
} as const;

export interface IncidentStashOptions {
  readonly format?: SampleFormatName;
  readonly seed?: number;
  /** Ordinary flows per hour among the background interfaces. */
  readonly noisePerHour?: number;
}

export interface IncidentStashSummary {
  readonly objects: number;
  readonly events: number;
  readonly bytes: number;
  readonly logGroup: string;
}

interface Flow {
  eni: string;
  src: string;
  dst: string;
  srcport: number;
  dstport: number;
  protocol?: number;
  packets: number;
  bytes: number;
  start: number;
  action?: 'ACCEPT' | 'REJECT';
  status?: 'OK' | 'NODATA' | 'SKIPDATA';
  instance?: string;
  pktSrc?: string;
  pktDst?: string;
}

const ACCOUNT = '123456789012';

/** Writes the planted stash: `YYYY/MM/DD/HH/<stream>-…` objects, each a multi-member gzip of envelopes. */
export async function writeIncidentStash(
  dir: string,
  options: IncidentStashOptions = {},
): Promise<IncidentStashSummary> {
  const format = SAMPLE_FORMATS[options.format ?? 'v2'];
  const random = new Random(options.seed ?? 7);
  const noise = options.noisePerHour ?? 120;
  const background = Array.from({ length: 12 }, (_, i) => ({
    eni: `eni-0b${String(i).padStart(15, '0')}`,
    address: `10.0.${10 + i}.${10 + i}`,
  }));
  // The services the estate talks to: a fixed set, so that after the first hours nothing ordinary is new.
  const remotes = Array.from(
    { length: 80 },
    () =>
      `${random.pick([3, 18, 34, 52, 54, 104, 142])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
  );
  const logGroup = options.format === 'v5' ? 'vpc-flow-logs-v5' : 'vpc-flow-logs';
  let events = 0;
  let bytes = 0;
  for (let hour = 0; hour < PLANTED.hours; hour++) {
    const t0 = PLANTED.start + hour * 3600;
    const flows: Flow[] = [];
    for (let i = 0; i < noise; i++) flows.push(ordinaryFlow(random, background, remotes, t0));
    planted(flows, hour, t0, random, options.format === 'v5');
    const lines = flows.map((f) => ({ timestamp: (f.start + 60) * 1000, message: line(format, f) }));
    const body = envelopes(lines, logGroup, random);
    const key = objectKey(t0, random);
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), body);
    events += lines.length;
    bytes += body.length;
  }
  return { objects: PLANTED.hours, events, bytes, logGroup };
}

/** Ordinary traffic: web, DNS and NTP out, web in; never on mining or admin ports from the internet. */
function ordinaryFlow(
  random: Random,
  background: ReadonlyArray<{ eni: string; address: string }>,
  remotes: readonly string[],
  t0: number,
): Flow {
  const host = random.pick(background);
  const remote = random.pick(remotes);
  const port = random.pick([443, 443, 443, 80, 53, 123]);
  const packets = random.int(2, 400);
  const inbound = random.next() < 0.3;
  return {
    eni: host.eni,
    src: inbound ? remote : host.address,
    dst: inbound ? host.address : remote,
    srcport: random.int(32768, 65535),
    dstport: inbound ? 443 : port,
    protocol: port === 53 || port === 123 ? 17 : 6,
    packets,
    bytes: packets * random.int(60, 1400),
    start: t0 + random.int(0, 3540),
    action: inbound && random.next() < 0.05 ? 'REJECT' : 'ACCEPT',
  };
}

function planted(flows: Flow[], hour: number, t0: number, random: Random, v5: boolean): void {
  const P = PLANTED;
  const small = () => random.int(2_000, 6_000);
  // The miner: its pool on 3333 every ten minutes, a second pool only over 443 every fifteen, for three days.
  for (let m = 0; m < 60; m += 10) {
    flows.push({
      eni: P.miner.eni,
      src: P.miner.address,
      dst: P.miner.pool,
      srcport: 40000 + m,
      dstport: 3333,
      packets: 12,
      bytes: small(),
      start: t0 + m * 60 + random.int(0, 30),
      instance: P.miner.instance,
    });
    if (v5) {
      // The same connection seen on the NAT gateway: only pkt-dstaddr shows where it really goes.
      flows.push({
        eni: P.natGateway.eni,
        src: P.miner.address,
        dst: P.natGateway.address,
        srcport: 40000 + m,
        dstport: 3333,
        packets: 12,
        bytes: small(),
        start: t0 + m * 60 + random.int(0, 30),
        pktSrc: P.miner.address,
        pktDst: P.miner.pool,
      });
    }
  }
  for (let m = 0; m < 60; m += 15) {
    flows.push({
      eni: P.miner.eni,
      src: P.miner.address,
      dst: P.miner.pool443,
      srcport: 41000 + m,
      dstport: 443,
      packets: 10,
      bytes: small(),
      start: t0 + m * 60 + random.int(0, 30),
      instance: P.miner.instance,
    });
  }
  const day = Math.floor(hour / 24);
  const hourOfDay = hour % 24;
  // Decoys for the mining hunt.
  if (day < 2 && hourOfDay >= 9 && hourOfDay < 17) {
    for (let i = 0; i < 40; i++) {
      flows.push({
        eni: P.decoys.webApi.eni,
        src: P.decoys.webApi.address,
        dst: P.decoys.webApi.remote,
        srcport: random.int(32768, 65535),
        dstport: 8080,
        packets: 200,
        bytes: random.int(100_000, 900_000),
        start: t0 + random.int(0, 3540),
      });
    }
  }
  flows.push({
    eni: P.decoys.blocked.eni,
    src: P.decoys.blocked.address,
    dst: P.miner.pool,
    srcport: 42000,
    dstport: 3333,
    packets: 3,
    bytes: 180,
    start: t0 + 120,
    action: 'REJECT',
  });
  flows.push({
    eni: P.decoys.inbound.eni,
    src: P.decoys.inbound.remote,
    dst: P.decoys.inbound.address,
    srcport: 42001,
    dstport: 4444,
    packets: 5,
    bytes: 900,
    start: t0 + 300,
  });
  flows.push({
    eni: P.decoys.internal.eni,
    src: P.decoys.internal.address,
    dst: P.decoys.internal.peer,
    srcport: 42002,
    dstport: 3333,
    packets: 9,
    bytes: 2_000,
    start: t0 + 600,
  });
  // A vertical scan of one host, and a smaller one that stays under the threshold.
  if (hour === P.verticalScan.hour) {
    const at = t0 + 300;
    for (let port = 1; port <= P.verticalScan.ports; port++) {
      flows.push({
        eni: P.verticalScan.eni,
        src: P.verticalScan.source,
        dst: P.verticalScan.target,
        srcport: 50000,
        dstport: port,
        packets: 1,
        bytes: 44,
        start: at + (port % 50),
        action: port === 22 || port === 80 ? 'ACCEPT' : 'REJECT',
      });
    }
    for (let port = 1000; port < 1000 + P.smallScan.ports; port++) {
      flows.push({
        eni: P.verticalScan.eni,
        src: P.smallScan.source,
        dst: P.smallScan.target,
        srcport: 50001,
        dstport: port,
        packets: 1,
        bytes: 44,
        start: at + 5,
        action: 'REJECT',
      });
    }
  }
  // A horizontal sweep across a subnet on SMB, and a smaller one on SSH.
  if (hour === P.sweep.hour) {
    for (let h = 1; h <= P.sweep.hosts; h++) {
      flows.push({
        eni: P.sweep.eni,
        src: P.sweep.source,
        dst: `10.0.${200 + Math.floor(h / 250)}.${h % 250}`,
        srcport: 51000 + h,
        dstport: P.sweep.port,
        packets: 2,
        bytes: 120,
        start: t0 + h * 20,
        action: 'REJECT',
      });
    }
    for (let h = 1; h <= P.smallSweep.hosts; h++) {
      flows.push({
        eni: P.sweep.eni,
        src: P.smallSweep.source,
        dst: `10.0.210.${h}`,
        srcport: 52000 + h,
        dstport: P.smallSweep.port,
        packets: 2,
        bytes: 120,
        start: t0 + h * 30,
        action: 'REJECT',
      });
    }
  }
  // SSH accepted from the internet on day two; the rejected and the internal attempts are not exposures.
  if (day === 1 && hourOfDay % 2 === 0) {
    flows.push({
      eni: P.ssh.eni,
      src: P.ssh.source,
      dst: P.ssh.target,
      srcport: 53000 + hour,
      dstport: 22,
      packets: 60,
      bytes: 9_000,
      start: t0 + 900,
    });
    flows.push({
      eni: P.ssh.eni,
      src: P.ssh.rejectedSource,
      dst: P.ssh.target,
      srcport: 53100 + hour,
      dstport: 22,
      packets: 3,
      bytes: 180,
      start: t0 + 960,
      action: 'REJECT',
    });
    flows.push({
      eni: P.ssh.eni,
      src: P.ssh.privateSource,
      dst: P.ssh.target,
      srcport: 53200 + hour,
      dstport: 22,
      packets: 40,
      bytes: 7_000,
      start: t0 + 1000,
    });
  }
  // One large transfer out, beside a larger internal backup and a large download in.
  if (hour === P.transfer.hour) {
    for (let i = 0; i < 10; i++) {
      flows.push({
        eni: P.transfer.eni,
        src: P.transfer.source,
        dst: P.transfer.destination,
        srcport: 54000 + i,
        dstport: 443,
        packets: 400_000,
        bytes: P.transfer.bytes / 10,
        start: t0 + i * 300,
      });
      flows.push({
        eni: P.transfer.eni,
        src: P.backup.source,
        dst: P.backup.destination,
        srcport: 54100 + i,
        dstport: 443,
        packets: 1_500_000,
        bytes: P.backup.bytes / 10,
        start: t0 + i * 300,
      });
      flows.push({
        eni: P.transfer.eni,
        src: P.download.source,
        dst: P.download.destination,
        srcport: 443,
        dstport: 54200 + i,
        packets: 600_000,
        bytes: P.download.bytes / 10,
        start: t0 + i * 300,
      });
    }
  }
  // Coverage: a quiet interface with silent hours then NODATA hours; a lossy one with a SKIPDATA record.
  const [silentFrom, silentTo] = P.quiet.silentHours;
  const [nodataFrom, nodataTo] = P.quiet.nodataHours;
  if (hour >= nodataFrom && hour < nodataTo) {
    flows.push({
      eni: P.quiet.eni,
      src: '-',
      dst: '-',
      srcport: 0,
      dstport: 0,
      packets: 0,
      bytes: 0,
      start: t0 + 60,
      status: 'NODATA',
    });
  } else if (hour < silentFrom || hour >= silentTo) {
    flows.push({
      eni: P.quiet.eni,
      src: P.quiet.address,
      dst: '52.94.0.10',
      srcport: 55000,
      dstport: 443,
      packets: 5,
      bytes: 700,
      start: t0 + 60,
    });
  }
  flows.push(
    hour === P.lossy.skipdataHour
      ? {
          eni: P.lossy.eni,
          src: '-',
          dst: '-',
          srcport: 0,
          dstport: 0,
          packets: 0,
          bytes: 0,
          start: t0 + 60,
          status: 'SKIPDATA',
        }
      : {
          eni: P.lossy.eni,
          src: P.lossy.address,
          dst: '52.94.0.11',
          srcport: 55001,
          dstport: 443,
          packets: 5,
          bytes: 700,
          start: t0 + 60,
        },
  );
  // A web server with its usual upstream, that reaches a new destination late on the last day.
  flows.push({
    eni: P.newDestination.eni,
    src: P.newDestination.address,
    dst: P.newDestination.usual,
    srcport: 56000,
    dstport: 443,
    packets: 20,
    bytes: 15_000,
    start: t0 + 200,
  });
  if (hour >= P.newDestination.hour) {
    flows.push({
      eni: P.newDestination.eni,
      src: P.newDestination.address,
      dst: P.newDestination.first,
      srcport: 56001,
      dstport: 443,
      packets: 30,
      bytes: 25_000,
      start: t0 + 400,
    });
  }
}

function line(format: FlowFormat, f: Flow): string {
  const status = f.status ?? 'OK';
  const values: Record<string, string> = {
    'account-id': ACCOUNT,
    'interface-id': f.eni,
    srcaddr: f.src,
    dstaddr: f.dst,
    srcport: String(f.srcport),
    dstport: String(f.dstport),
    protocol: String(f.protocol ?? 6),
    packets: String(f.packets),
    bytes: String(f.bytes),
    start: String(f.start),
    end: String(f.start + 60),
    action: f.action ?? 'ACCEPT',
    'log-status': status,
    'instance-id': f.instance ?? '-',
    'pkt-srcaddr': f.pktSrc ?? f.src,
    'pkt-dstaddr': f.pktDst ?? f.dst,
    region: 'us-east-1',
  };
  return formatLine(format, values, status);
}

/** Envelopes of up to 500 events, one gzip member each, the way Firehose stores them. */
function envelopes(
  events: ReadonlyArray<{ timestamp: number; message: string }>,
  logGroup: string,
  random: Random,
): Buffer {
  const members: Buffer[] = [];
  for (let i = 0; i < events.length; i += 500) {
    const logEvents = events
      .slice(i, i + 500)
      .map((e, j) => ({ id: `${random.hex(20).replace(/[a-f]/g, '1')}${j}`, ...e }));
    const envelope = {
      messageType: 'DATA_MESSAGE',
      owner: ACCOUNT,
      logGroup,
      logStream: 'all',
      subscriptionFilters: ['flows'],
      logEvents,
    };
    members.push(gzipSync(JSON.stringify(envelope)));
  }
  return Buffer.concat(members);
}

function objectKey(epochSeconds: number, random: Random): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  const [y, mo, d, h] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  return `${y}/${mo}/${d}/${h}/central-vpc-flow-logs-1-${y}-${mo}-${d}-${h}-00-00-${random.hex(8)}`;
}
