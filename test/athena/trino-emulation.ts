/**
 * Running Athena (Trino) SQL in DuckDB, for tests: the Trino functions our queries use that DuckDB lacks or
 * spells differently, as macros with Trino's documented meaning, and the renames that map one onto the other.
 * Everything else the queries use (CASE, windows, count(DISTINCT), array_agg/array_sort/array_distinct, LIKE,
 * split_part, strpos, lpad, try_cast) means the same in both.
 */
export const TRINO_EMULATION = [
  `CREATE MACRO trino_from_base(s, radix) AS TRY_CAST('0x' || s AS BIGINT)`,
  `CREATE MACRO trino_to_base(n, radix) AS lower(to_base(n, radix))`,
  // repeat(element, count) → an array of count elements.
  `CREATE MACRO trino_repeat(x, n) AS list_transform(range(n), i -> x)`,
  // Trino replaces every match; its regexp_extract gives NULL when nothing matches.
  `CREATE MACRO trino_regexp_replace(s, p, r) AS regexp_replace(s, p, r, 'g')`,
  `CREATE MACRO trino_regexp_extract(s, p) AS nullif(regexp_extract(s, p), '')`,
  `CREATE MACRO trino_to_unixtime(t) AS epoch(t)`,
  // slice(array, start, length); DuckDB's list_slice takes start and end.
  `CREATE MACRO trino_slice(a, s, n) AS list_slice(a, s, s + n - 1)`,
  `CREATE MACRO trino_from_unixtime(e) AS make_timestamp(CAST(e AS BIGINT) * 1000000)`,
  // element_at(array, 1-based index) and element_at(map, key): NULL when absent, as a subscript is in DuckDB.
  `CREATE MACRO trino_element_at(c, k) AS c[k]`,
];

/**
 * Trino text → DuckDB text. `/` between integers divides to an integer in Trino and to a double in DuckDB: the
 * queries divide floats only in `x / nullif(…)` (the dialect's ratio), so every other ` / ` becomes `//`.
 */
export function trinoToDuckdb(sql: string): string {
  return sql
    .replace(/\bregexp_like\(/g, 'regexp_matches(')
    .replace(/\bfrom_base\(/g, 'trino_from_base(')
    .replace(/\bto_base\(/g, 'trino_to_base(')
    .replace(/\btry\(/g, '(')
    .replace(/\barray_join\(/g, 'array_to_string(')
    .replace(/\brepeat\(/g, 'trino_repeat(')
    .replace(/\bcardinality\(/g, 'len(')
    .replace(/\bregexp_replace\(/g, 'trino_regexp_replace(')
    .replace(/\bregexp_extract\(/g, 'trino_regexp_extract(')
    .replace(/\btransform\(/g, 'list_transform(')
    .replace(/\bslice\(/g, 'trino_slice(')
    .replace(/\bto_unixtime\(/g, 'trino_to_unixtime(')
    .replace(/\bfrom_unixtime\(/g, 'trino_from_unixtime(')
    .replace(/\belement_at\(/g, 'trino_element_at(')
    .replace(/ \/ (?!nullif\()/g, ' // ');
}
