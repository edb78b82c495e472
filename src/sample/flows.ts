import { type FlowFormat, resolveFormat } from '../formats/format.js';
import type { Random } from './random.js';

/** A network interface of the synthetic estate: the flows of one log stream. */
export interface Interface {
  readonly account: string;
  readonly eni: string;
  readonly vpc: string;
  readonly subnet: string;
  readonly instance: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly az: string;
}

const SERVICES = ['-', '-', '-', 'AMAZON', 'S3', 'DYNAMODB', 'EC2', 'CLOUDFRONT'];
const WELL_KNOWN_PORTS = [443, 443, 443, 80, 22, 53, 123, 3389, 5432, 3306, 6379, 8080, 3333];

export function makeInterfaces(random: Random, count: number): Interface[] {
  const accounts = ['123456789012', '210987654321', '111122223333'];
  return Array.from({ length: count }, (_, i) => ({
    account: random.pick(accounts),
    eni: `eni-${random.hex(17)}`,
    vpc: `vpc-${random.hex(17)}`,
    subnet: `subnet-${random.hex(17)}`,
    instance: i % 5 === 0 ? '-' : `i-${random.hex(17)}`,
    ipv4: `10.${random.int(0, 31)}.${random.int(0, 255)}.${random.int(1, 254)}`,
    ipv6: `2600:1f18:${random.hex(4)}:${random.hex(4)}::${random.int(1, 0xffff).toString(16)}`,
    az: random.pick(['use1-az1', 'use1-az2', 'use1-az4']),
  }));
}

function publicIpv4(random: Random): string {
  return `${random.pick([3, 18, 34, 52, 54, 104, 142, 185, 198])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

/** One flow-log line of `format` for `eni`, flowing in the capture window that ends at `end` (epoch s). */
export function flowLine(random: Random, format: FlowFormat, eni: Interface, end: number): string {
  const start = end - random.int(1, 60);
  const roll = random.next();
  const status = roll < 0.015 ? 'NODATA' : roll < 0.02 ? 'SKIPDATA' : 'OK';
  const ipv6 = random.next() < 0.15;
  const inbound = random.next() < 0.5;
  const remote = ipv6 ? `2a05:d018:${random.hex(4)}::${random.hex(4)}` : publicIpv4(random);
  const local = ipv6 ? eni.ipv6 : eni.ipv4;
  const wellKnown = random.pick(WELL_KNOWN_PORTS);
  const ephemeral = random.int(32768, 65535);
  const protocol = random.next() < 0.85 ? 6 : random.next() < 0.8 ? 17 : 1;
  const packets = random.int(1, 2000);
  const rejected = random.next() < 0.08;
  const values: Record<string, string> = {
    'account-id': eni.account,
    'interface-id': eni.eni,
    srcaddr: inbound ? remote : local,
    dstaddr: inbound ? local : remote,
    srcport: String(protocol === 1 ? 0 : ephemeral),
    dstport: String(protocol === 1 ? 0 : wellKnown),
    protocol: String(protocol),
    packets: String(packets),
    bytes: String(packets * random.int(40, 1500)),
    start: String(start),
    end: String(end),
    action: rejected ? 'REJECT' : 'ACCEPT',
    'log-status': status,
    'vpc-id': eni.vpc,
    'subnet-id': eni.subnet,
    'instance-id': eni.instance,
    'tcp-flags': String(protocol === 6 ? random.pick([2, 3, 18, 19, 1, 4]) : 0),
    type: ipv6 ? 'IPv6' : 'IPv4',
    'pkt-srcaddr': inbound ? remote : local,
    'pkt-dstaddr': inbound ? local : remote,
    region: 'us-east-1',
    'az-id': eni.az,
    'sublocation-type': '-',
    'sublocation-id': '-',
    'pkt-src-aws-service': inbound ? random.pick(SERVICES) : '-',
    'pkt-dst-aws-service': inbound ? '-' : random.pick(SERVICES),
    'flow-direction': inbound ? 'ingress' : 'egress',
    'traffic-path': inbound ? '-' : String(random.int(1, 8)),
  };
  return formatLine(format, values, status);
}

/** Fields a NODATA or SKIPDATA record still carries; AWS writes "-" for every flow field of such records. */
const RECORD_FIELDS = new Set(['version', 'account-id', 'interface-id', 'start', 'end', 'log-status']);

/** The version a line of `format` declares: the highest of its fields' versions, 2 at least (once per format). */
const VERSIONS = new WeakMap<FlowFormat, string>();
function versionOf(format: FlowFormat): string {
  let version = VERSIONS.get(format);
  if (version === undefined) {
    version = String(format.fields.reduce((v, f) => Math.max(v, f.version), 2));
    VERSIONS.set(format, version);
  }
  return version;
}

/** A flow-log line of `format` from values by AWS field name ("-" for the ones missing; the version its own). */
export function formatLine(format: FlowFormat, values: Readonly<Record<string, string>>, status: string): string {
  const version = versionOf(format);
  return format.fields
    .map((f) =>
      f.name === 'version' ? version : status !== 'OK' && !RECORD_FIELDS.has(f.name) ? '-' : (values[f.name] ?? '-'),
    )
    .join(' ');
}

export const SAMPLE_FORMATS = { v2: resolveFormat('v2'), v5: resolveFormat('v5') } as const;
export type SampleFormatName = keyof typeof SAMPLE_FORMATS;
