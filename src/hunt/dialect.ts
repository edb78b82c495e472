import { ipv4Range, literalCidrTest } from './cidr-sql.js';
import { NON_ROUTABLE_NETWORKS, PRIVATE_NETWORKS } from './networks.js';
import { trinoInCidr, trinoInLiteralCidr, trinoIpv6Hex, trinoIsIpv4 } from './trino-address.js';

/**
 * The few places where DuckDB and Athena (Trino) SQL differ. A hunt is written once against this interface and
 * rendered for either engine; everything else it uses (GROUP BY, windows, CASE, count(DISTINCT …), max_by,
 * date_trunc, array_agg) is the same in both.
 */
export interface Dialect {
  readonly name: 'duckdb' | 'athena';
  /** True when the address text is in a private, shared, link-local or loopback range (IPv4 or IPv6). */
  isPrivate(address: string): string;
  /** True when the address text is a routable internet address: valid, not private, not reserved. */
  isPublic(address: string): string;
  /** True when the address text lies in the CIDR (an SQL expression giving `a.b.c.d/n` or `x::/n`). */
  inCidr(address: string, cidr: string): string;
  /**
   * The form of an address that address lists are matched on: locally one 128-bit number (computed once per
   * distinct address, so the match is a range join on plain columns), on Athena the text itself.
   */
  addressKey(address: string): string;
  /** Join condition: an address key (see addressKey) lies in the CIDR of a row of an address list. */
  inAddressList(key: string, list: string): string;
  /** Epoch seconds → TIMESTAMP (UTC). */
  timestamp(epochSeconds: string): string;
  /** Epoch seconds rounded down to a multiple of `seconds` (still epoch seconds). */
  bucket(epochSeconds: string, seconds: number): string;
  /** Integer division of non-negative integers. */
  intDiv(numerator: string, denominator: string | number): string;
  /** The first distinct values of a group (at most LIST_LIMIT), sorted, joined with commas. */
  distinctList(expression: string): string;
  /** A text cast. */
  text(expression: string): string;
  /** A floating-point division. */
  ratio(numerator: string, denominator: string | number): string;
}

/** Lists in findings (pool addresses, ports) stop here: their counts are in columns of their own. */
export const LIST_LIMIT = 20;

/** A string literal: `'…'` with quotes doubled (the same in both engines). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Column names that are keywords in one engine or the other. */
const RESERVED = new Set(['timestamp', 'end', 'start', 'bytes', 'action', 'type', 'version', 'region']);

/** A column reference, quoted where a keyword could clash. */
export function col(name: string): string {
  return RESERVED.has(name) ? `"${name}"` : name;
}

export const DUCKDB: Dialect = {
  name: 'duckdb',
  isPrivate: (a) => `is_private(${a})`,
  isPublic: (a) => `is_public(${a})`,
  inCidr: (a, cidr) => {
    // A quoted literal CIDR gets the fast text test; a column (an address list) the general macro.
    const literal = /^'([^']*)'$/.exec(cidr);
    return (literal && literalCidrTest(a, literal[1])) ?? `in_cidr(${a}, ${cidr})`;
  },
  addressKey: (a) => `flowlake_ip_num(${a})`,
  inAddressList: (key, list) => `${key} BETWEEN ${list}.low AND ${list}.high`,
  timestamp: (e) => `make_timestamp(CAST(${e} AS BIGINT) * 1000000)`,
  bucket: (e, s) => `(CAST(${e} AS BIGINT) // ${s}) * ${s}`,
  intDiv: (n, d) => `((${n}) // ${d})`,
  distinctList: (e) => `array_to_string(list_slice(list_sort(list_distinct(array_agg(${e}))), 1, ${LIST_LIMIT}), ',')`,
  text: (e) => `CAST(${e} AS VARCHAR)`,
  ratio: (n, d) => `(CAST(${n} AS DOUBLE) / nullif(${d}, 0))`,
};

/** Any of the listed networks, on Athena (string tests: see trino-address.ts). */
function trinoInAny(address: string, networks: readonly string[]): string {
  return `(${networks.map((n) => trinoInLiteralCidr(address, n)).join(' OR ')})`;
}

const NOT_PUBLIC = [...PRIVATE_NETWORKS, ...NON_ROUTABLE_NETWORKS];
const v4 = (networks: readonly string[]) => networks.filter((n) => !n.includes(':'));
const v6 = (networks: readonly string[]) => networks.filter((n) => n.includes(':'));

export const ATHENA: Dialect = {
  name: 'athena',
  isPrivate: (a) => `coalesce(${trinoInAny(a, PRIVATE_NETWORKS)}, false)`,
  isPublic: (a) =>
    `coalesce(CASE WHEN strpos(${a}, ':') > 0
    THEN (${trinoIpv6Hex(a)} IS NOT NULL AND NOT coalesce(${trinoInAny(a, v6(NOT_PUBLIC))}, false))
    ELSE (${trinoIsIpv4(a)} AND NOT coalesce(${trinoInAny(a, v4(NOT_PUBLIC))}, false)) END, false)`,
  inCidr: (a, cidr) => {
    // A quoted literal CIDR (an `ip` hunt's target) gets the cheaper text test; a column (an address list) the general one.
    const literal = /^'([^']*)'$/.exec(cidr);
    return literal ? `coalesce(${trinoInLiteralCidr(a, literal[1])}, false)` : trinoInCidr(a, cidr);
  },
  addressKey: (a) => a,
  inAddressList: (key, list) => ATHENA.inCidr(key, `${list}.indicator`),
  timestamp: (e) => `from_unixtime(${e})`,
  bucket: (e, s) => `((${e} / ${s}) * ${s})`,
  intDiv: (n, d) => `((${n}) / ${d})`,
  distinctList: (e) => `array_join(slice(array_sort(array_distinct(array_agg(${e}))), 1, ${LIST_LIMIT}), ',')`,
  text: (e) => `CAST(${e} AS varchar)`,
  ratio: (n, d) => `(CAST(${n} AS double) / nullif(${d}, 0))`,
};

/**
 * DuckDB macros behind the dialect (and usable in `flowlake query`): `is_private(a)`, `is_public(a)` and
 * `in_cidr(a, cidr)` for IPv4 and IPv6 text, in plain SQL so they need no extension download. IPv6 addresses
 * are expanded to 32 hex digits and compared as two 64-bit halves.
 */
/** `n` (an IPv4 address as a number) in any of the IPv4 networks. */
const ipv4Ranges = (networks: readonly string[]) =>
  v4(networks)
    .map((n) => ipv4Range(n))
    .map(([low, high]) => `n BETWEEN ${low} AND ${high}`)
    .join(' OR ');

export function duckdbMacros(): string[] {
  const inAny = (networks: readonly string[]) =>
    networks.map((n) => literalCidrTest('a', n) ?? `in_cidr(a, '${n}')`).join(' OR ');
  return [
    `CREATE OR REPLACE MACRO flowlake_ip4(a) AS (CASE WHEN len(string_split(a, '.')) = 4 THEN
      (CAST(TRY_CAST(split_part(a, '.', 1) AS UTINYINT) AS UBIGINT) << 24) |
      (CAST(TRY_CAST(split_part(a, '.', 2) AS UTINYINT) AS UBIGINT) << 16) |
      (CAST(TRY_CAST(split_part(a, '.', 3) AS UTINYINT) AS UBIGINT) << 8) |
      CAST(TRY_CAST(split_part(a, '.', 4) AS UTINYINT) AS UBIGINT) END)`,
    // The hextets of an IPv6 address with `::` expanded (8 of them when the text is well formed).
    `CREATE OR REPLACE MACRO flowlake_hextets(a) AS (CASE
      WHEN NOT contains(a, '::') THEN string_split(a, ':')
      WHEN len(string_split(a, '::')) <> 2 THEN NULL
      ELSE list_concat(
        CASE WHEN split_part(a, '::', 1) = '' THEN [] ELSE string_split(split_part(a, '::', 1), ':') END,
        list_transform(range(greatest(0, 8
          - CASE WHEN split_part(a, '::', 1) = '' THEN 0 ELSE len(string_split(split_part(a, '::', 1), ':')) END
          - CASE WHEN split_part(a, '::', 2) = '' THEN 0 ELSE len(string_split(split_part(a, '::', 2), ':')) END)),
          x -> '0'),
        CASE WHEN split_part(a, '::', 2) = '' THEN [] ELSE string_split(split_part(a, '::', 2), ':') END) END)`,
    `CREATE OR REPLACE MACRO flowlake_ip6(a) AS (CASE WHEN contains(a, ':') AND len(flowlake_hextets(a)) = 8
      AND list_bool_and(list_transform(flowlake_hextets(a), h -> regexp_full_match(h, '[0-9a-fA-F]{1,4}')))
      THEN array_to_string(list_transform(flowlake_hextets(a), h -> lpad(h, 4, '0')), '') END)`,
    // One number for any address: IPv6 as its 128 bits, IPv4 inside ::ffff:0:0/96 (as address lists map it).
    `CREATE OR REPLACE MACRO flowlake_ip_num(a) AS (CASE WHEN contains(a, ':')
      THEN (CAST(flowlake_half(flowlake_ip6(a), 0) AS UHUGEINT) << 64) | CAST(flowlake_half(flowlake_ip6(a), 1) AS UHUGEINT)
      ELSE (CAST(65535 AS UHUGEINT) << 32) | CAST(flowlake_ip4(a) AS UHUGEINT) END)`,
    `CREATE OR REPLACE MACRO flowlake_half(hex, i) AS (TRY_CAST('0x' || substr(hex, 1 + 16 * i, 16) AS UBIGINT))`,
    `CREATE OR REPLACE MACRO flowlake_prefix_eq(x, y, bits) AS (CASE WHEN bits <= 0 THEN x IS NOT NULL AND y IS NOT NULL
      ELSE (x >> (64 - bits)) = (y >> (64 - bits)) END)`,
    `CREATE OR REPLACE MACRO flowlake_in6(h, n, bits) AS (CASE WHEN bits <= 64
      THEN flowlake_prefix_eq(flowlake_half(h, 0), flowlake_half(n, 0), bits)
      ELSE flowlake_half(h, 0) = flowlake_half(n, 0) AND flowlake_prefix_eq(flowlake_half(h, 1), flowlake_half(n, 1), bits - 64) END)`,
    `CREATE OR REPLACE MACRO flowlake_in4(x, y, bits) AS (CASE WHEN bits <= 0 THEN x IS NOT NULL AND y IS NOT NULL
      ELSE (x >> (32 - bits)) = (y >> (32 - bits)) END)`,
    `CREATE OR REPLACE MACRO in_cidr(a, cidr) AS coalesce(CASE
      WHEN contains(cidr, ':') THEN contains(a, ':') AND flowlake_in6(flowlake_ip6(a), flowlake_ip6(split_part(cidr, '/', 1)),
        coalesce(TRY_CAST(nullif(split_part(cidr, '/', 2), '') AS INTEGER), 128))
      ELSE NOT contains(a, ':') AND flowlake_in4(flowlake_ip4(a), flowlake_ip4(split_part(cidr, '/', 1)),
        coalesce(TRY_CAST(nullif(split_part(cidr, '/', 2), '') AS INTEGER), 32)) END, false)`,
    // Private ranges start on whole octets (or nearly): text prefixes are cheapest.
    `CREATE OR REPLACE MACRO is_private(a) AS coalesce(${inAny(PRIVATE_NETWORKS)}, false)`,
    // The reserved ranges do not: the IPv4 address is parsed once and bound to `n` by a one-element lambda (a
    // macro has no variables), about four times cheaper over millions of rows than a test per range.
    `CREATE OR REPLACE MACRO is_public(a) AS coalesce(CASE
      WHEN contains(a, ':') THEN flowlake_ip6(a) IS NOT NULL AND NOT (${inAny(v6(NOT_PUBLIC))})
      ELSE list_transform([flowlake_ip4(a)], n -> n IS NOT NULL AND NOT (${ipv4Ranges(NOT_PUBLIC)}))[1] END, false)`,
  ];
}
