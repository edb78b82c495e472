/**
 * Fast DuckDB tests of an address column against a CIDR known when the query is written (the private ranges,
 * an `ip` hunt's targets). The general `in_cidr` macro parses every address into numbers; these compare text
 * prefixes and at most one octet or hextet, which is about ten times cheaper over millions of rows. Undefined
 * when the CIDR is not of a shape handled here (the caller falls back to `in_cidr`).
 */
export function literalCidrTest(address: string, cidr: string): string | undefined {
  const parsed = parseCidr(cidr.trim());
  if (parsed === undefined) return undefined;
  return parsed.v6 ? ipv6Test(address, parsed.expanded, parsed.bits) : ipv4Test(address, parsed.octets, parsed.bits);
}

/** A CIDR or bare address, parsed: IPv4 octets or the 32 hex digits of IPv6, and the prefix length. */
export type ParsedCidr =
  | { readonly v6: false; readonly octets: readonly number[]; readonly bits: number }
  | { readonly v6: true; readonly network: string; readonly expanded: string; readonly bits: number };

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (/32, /128); undefined when malformed. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [network, bitsText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const v6 = network.includes(':');
  const bits = bitsText === undefined ? (v6 ? 128 : 32) : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > (v6 ? 128 : 32)) return undefined;
  if (v6) {
    const expanded = expandIpv6(network);
    return expanded === undefined ? undefined : { v6, network, expanded, bits };
  }
  const octets = network.split('.').map((o) => (/^\d{1,3}$/.test(o) ? Number(o) : Number.NaN));
  if (octets.length !== 4 || octets.some((o) => !(o <= 255))) return undefined;
  return { v6, octets, bits };
}

function ipv4Test(a: string, octets: readonly number[], bits: number): string | undefined {
  if (bits === 0) return `(CASE WHEN contains(${a}, ':') THEN false ELSE flowlake_ip4(${a}) IS NOT NULL END)`;
  if (bits === 32) return `(${a} = '${octets.join('.')}')`;
  const whole = Math.floor(bits / 8);
  const rest = bits % 8;
  // CASE, not AND: DuckDB evaluates a THEN only for the rows its WHEN selects, so only rows whose text prefix
  // matches are parsed (to be sure they are whole addresses, and for a partial octet).
  const valid = `flowlake_ip4(${a}) IS NOT NULL`;
  const prefix = whole === 0 ? `NOT contains(${a}, ':')` : `starts_with(${a}, '${octets.slice(0, whole).join('.')}.')`;
  if (rest === 0) return `(CASE WHEN ${prefix} THEN ${valid} ELSE false END)`;
  const low = octets[whole] & (0xff << (8 - rest)) & 0xff;
  const high = low + (1 << (8 - rest)) - 1;
  const octet = `TRY_CAST(split_part(${a}, '.', ${whole + 1}) AS INTEGER) BETWEEN ${low} AND ${high}`;
  return `(CASE WHEN ${prefix} THEN ${valid} AND ${octet} ELSE false END)`;
}

/** Prefixes of up to 16 bits look at the first hextet only; /128 compares the expanded address. */
function ipv6Test(a: string, expanded: string, bits: number): string | undefined {
  const first = Number.parseInt(expanded.slice(0, 4), 16);
  // CASE, not AND: DuckDB evaluates a THEN only for the rows its WHEN selects, so IPv4 rows skip the parsing.
  const hextet = `CASE WHEN starts_with(${a}, ':') THEN 0 ELSE TRY_CAST('0x' || split_part(${a}, ':', 1) AS INTEGER) END`;
  if (bits === 128) {
    return `(CASE WHEN contains(${a}, ':') AND ${hextet} = ${first} THEN flowlake_ip6(${a}) = '${expanded}' ELSE false END)`;
  }
  if (bits > 16) return undefined;
  const span = 1 << (16 - bits);
  const low = first & ~(span - 1) & 0xffff;
  return `(CASE WHEN contains(${a}, ':') AND ${hextet} BETWEEN ${low} AND ${low + span - 1} THEN flowlake_ip6(${a}) IS NOT NULL ELSE false END)`;
}

/** `2001:db8::1` → 32 lower-case hex digits; undefined when malformed. */
export function expandIpv6(text: string): string | undefined {
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** An IPv4 CIDR as its first and last address, as 32-bit numbers (what `flowlake_ip4` gives). */
export function ipv4Range(cidr: string): [number, number] {
  const [network, bitsText] = cidr.split('/');
  const value = network.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bitsText ?? 32));
  const low = Math.floor(value / size) * size;
  return [low, low + size - 1];
}
