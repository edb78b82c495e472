import { parseCidr } from './cidr-sql.js';

/**
 * Address tests for Athena (Trino) on the text of an address. Trino's own `ipaddress` type would do this, but a
 * cast to it is not plain SQL: parsers that check our Athena queries (and other SQL tools) reject the type name.
 * These use string functions only: an IPv6 address is expanded to its 32 hex digits, an IPv4 address to 8, and a
 * CIDR test compares the leading digits (plus one partial digit) of address and network.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_PATTERN = `^${OCTET}([.]${OCTET}){3}$`;
/** Three to nine colon-separated fields of up to four hex digits (`::` at either end makes nine). */
const IPV6_SHAPE = '^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,8}$';

export function trinoIsIpv4(a: string): string {
  return `regexp_like(${a}, '${IPV4_PATTERN}')`;
}

/** IPv4 text → 8 lower-case hex digits; NULL when not a dotted quad. */
export function trinoIpv4Hex(a: string): string {
  const octet = (i: number) => `CAST(split_part(${a}, '.', ${i}) AS bigint)`;
  const value = `${octet(1)} * 16777216 + ${octet(2)} * 65536 + ${octet(3)} * 256 + ${octet(4)}`;
  return `CASE WHEN ${trinoIsIpv4(a)} THEN lpad(to_base(${value}, 16), 8, '0') END`;
}

/** IPv6 text → 32 lower-case hex digits (`::` expanded); NULL when not an IPv6 address. */
export function trinoIpv6Hex(a: string): string {
  const present = `cardinality(filter(split(${a}, ':'), g -> g <> ''))`;
  // `::` becomes the missing zero groups; the colons it leaves at either end are trimmed.
  const expanded = `CASE WHEN strpos(${a}, '::') > 0 THEN regexp_replace(replace(${a}, '::', ':' || array_join(repeat('0', CAST(greatest(8 - ${present}, 0) AS integer)), ':') || ':'), '^:|:$', '') ELSE ${a} END`;
  const hex = `lower(array_join(transform(split(${expanded}, ':'), g -> lpad(g, 4, '0')), ''))`;
  // Anything but eight groups gives a length other than 32.
  return `CASE WHEN regexp_like(${a}, '${IPV6_SHAPE}') THEN regexp_extract(${hex}, '^[0-9a-f]{32}$') END`;
}

/** Whether hex digits `h` and `n` agree on their first `bits` bits (both of one family; NULL-safe: false). */
function hexPrefixEquals(h: string, n: string, bits: string): string {
  const whole = `(${bits}) / 4`;
  const divisor = `(CASE WHEN (${bits}) % 4 = 1 THEN 8 WHEN (${bits}) % 4 = 2 THEN 4 ELSE 2 END)`;
  const digit = (x: string) => `from_base(substr(${x}, ${whole} + 1, 1), 16) / ${divisor}`;
  // CASE, not OR: the partial digit exists only when the prefix ends inside one.
  return `(${h} IS NOT NULL AND ${n} IS NOT NULL AND substr(${h}, 1, ${whole}) = substr(${n}, 1, ${whole})
    AND CASE WHEN (${bits}) % 4 = 0 THEN true ELSE (${digit(h)} = ${digit(n)}) END)`;
}

/** Address `a` in CIDR `cidr`, both SQL expressions (an address list's column); a bare address is a /32 or /128. */
export function trinoInCidr(a: string, cidr: string): string {
  const network = `split_part(${cidr}, '/', 1)`;
  const bits = (all: number) => `coalesce(try_cast(nullif(split_part(${cidr}, '/', 2), '') AS integer), ${all})`;
  // THEN and ELSE results in parentheses: plain SQL allows AND there, but not every SQL tool's parser does.
  return `coalesce(CASE WHEN strpos(${cidr}, ':') > 0
    THEN (strpos(${a}, ':') > 0 AND ${hexPrefixEquals(trinoIpv6Hex(a), trinoIpv6Hex(network), bits(128))})
    ELSE (strpos(${a}, ':') = 0 AND ${hexPrefixEquals(trinoIpv4Hex(a), trinoIpv4Hex(network), bits(32))}) END, false)`;
}

/**
 * Address `a` in a CIDR known when the query is written: text prefixes and at most one number per row for the
 * common shapes, the general test otherwise. May be NULL for a NULL address (callers coalesce).
 */
export function trinoInLiteralCidr(a: string, cidr: string): string {
  const parsed = parseCidr(cidr.trim());
  if (parsed !== undefined) {
    const test = parsed.v6 ? ipv6Literal(a, parsed.expanded, parsed.bits) : ipv4Literal(a, parsed.octets, parsed.bits);
    if (test) return test;
  }
  return trinoInCidr(a, `'${cidr.replaceAll("'", "''")}'`);
}

function ipv4Literal(a: string, octets: readonly number[], bits: number): string {
  if (bits === 0) return `(${trinoIsIpv4(a)})`;
  if (bits === 32) return `(${a} = '${octets.join('.')}')`;
  const whole = Math.floor(bits / 8);
  const rest = bits % 8;
  const prefix = `${a} LIKE '${octets.slice(0, whole).join('.')}.%'`;
  if (rest === 0) return `(${prefix})`;
  const low = octets[whole] & (0xff << (8 - rest)) & 0xff;
  const high = low + (1 << (8 - rest)) - 1;
  const octet = `try_cast(split_part(${a}, '.', ${whole + 1}) AS integer) BETWEEN ${low} AND ${high}`;
  // With no whole octet there is no text prefix: the address must then be checked to be a dotted quad.
  return whole === 0 ? `(${trinoIsIpv4(a)} AND ${octet})` : `(${prefix} AND ${octet})`;
}

function ipv6Literal(a: string, expanded: string, bits: number): string {
  if (bits === 0) return `(${trinoIpv6Hex(a)} IS NOT NULL)`;
  if (bits <= 16) {
    // Only the first group counts: compare it as a number (a leading `::` makes it 0).
    const span = 1 << (16 - bits);
    const low = Number.parseInt(expanded.slice(0, 4), 16) & ~(span - 1) & 0xffff;
    const first = `CASE WHEN ${a} LIKE ':%' THEN 0 ELSE try(from_base(split_part(${a}, ':', 1), 16)) END`;
    return `(strpos(${a}, ':') > 0 AND ${first} BETWEEN ${low} AND ${low + span - 1})`;
  }
  const last = expanded.slice(28).replace(/^0+/, '');
  if (bits === 128 && /^0{28}/.test(expanded) && /^[0-9]*$/.test(last)) {
    // `::`, `::1` and the like: zero groups (in any spelling) then the last group.
    const tail = last === '' ? '' : `:0*${last}`;
    return `(strpos(${a}, ':') > 0 AND regexp_like(${a}, '^[0:]*${tail}$'))`;
  }
  // The first hex digits must be equal; a prefix ending inside a digit allows a range of that digit.
  const whole = Math.floor(bits / 4);
  const rest = bits % 4;
  let pattern = `^${expanded.slice(0, whole)}`;
  if (rest > 0) {
    const low = Number.parseInt(expanded[whole], 16) & (0xf << (4 - rest)) & 0xf;
    const digits = Array.from({ length: 1 << (4 - rest) }, (_, i) => (low + i).toString(16));
    pattern += `[${digits.join('')}]`;
  }
  return `regexp_like(${trinoIpv6Hex(a)}, '${pattern}')`;
}
