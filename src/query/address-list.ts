import { expandIpv6, parseCidr } from '../hunt/cidr-sql.js';
import { QueryInputError } from './errors.js';
import { readInputFile } from './input-file.js';

/** At most this many entries: lists bigger than any threat feed's IP section mean the wrong file. */
const MAX_ENTRIES = 1_000_000;
const MAX_LIST_BYTES = 64 * 2 ** 20;

/**
 * An address list (`--ioc`, `ioc --list`): one IPv4/IPv6 address or CIDR per line, `#` comments, blank lines.
 * Returns CIDRs (a bare address becomes /32 or /128). A malformed line is a usage error naming file and line.
 */
export async function readAddressList(path: string): Promise<string[]> {
  const text = await readInputFile(path, 'address list', MAX_LIST_BYTES);
  const cidrs: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i].replace(/#.*/, '').trim();
    if (entry === '') continue;
    const cidr = addressOrCidr(entry);
    if (!cidr) throw new QueryInputError(`${path}:${i + 1}: not an IPv4/IPv6 address or CIDR: "${entry.slice(0, 80)}"`);
    cidrs.push(cidr);
    if (cidrs.length > MAX_ENTRIES) throw new QueryInputError(`${path}: more than ${MAX_ENTRIES} entries`);
  }
  if (cidrs.length === 0) throw new QueryInputError(`${path}: the address list is empty`);
  return cidrs;
}

/** An IPv4/IPv6 address or CIDR as a CIDR (a bare address becomes /32 or /128); undefined when malformed. */
export function addressOrCidr(entry: string): string | undefined {
  const parsed = parseCidr(entry);
  if (parsed === undefined) return undefined;
  return parsed.v6 ? `${parsed.network.toLowerCase()}/${parsed.bits}` : `${parsed.octets.join('.')}/${parsed.bits}`;
}

/** Where IPv4 addresses sit in the 128-bit numbers of `flowlake_ip_num` (::ffff:0:0/96). */
const IPV4_LOW = 0xffffn << 32n;
const IPV4_HIGH = IPV4_LOW | 0xffffffffn;

/**
 * The address ranges of a CIDR as 128-bit numbers, IPv4 inside ::ffff:0:0/96: the bounds that let DuckDB match an
 * address list with a range join (see `flowlake_ip_num`). An IPv6 CIDR wide enough to cover that block is split
 * around it, so that it never matches an IPv4 address (as `in_cidr` never does).
 */
export function cidrRanges(cidr: string): Array<[bigint, bigint]> {
  const [address, bitsText] = cidr.split('/');
  const v6 = address.includes(':');
  const value = v6
    ? BigInt(`0x${expandIpv6(address)}`)
    : IPV4_LOW | address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  const bits = v6 ? Number(bitsText ?? 128) : 96 + Number(bitsText ?? 32);
  const hostBits = BigInt(128 - bits);
  const low = (value >> hostBits) << hostBits;
  const high = low | ((1n << hostBits) - 1n);
  if (!v6 || high < IPV4_LOW || low > IPV4_HIGH) return [[low, high]];
  const ranges: Array<[bigint, bigint]> = [];
  if (low < IPV4_LOW) ranges.push([low, IPV4_LOW - 1n]);
  if (high > IPV4_HIGH) ranges.push([IPV4_HIGH + 1n, high]);
  return ranges;
}
