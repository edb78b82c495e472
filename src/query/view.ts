import { fieldByName } from '../formats/fields.js';
import { sqlString } from '../hunt/dialect.js';
import type { OutputFileKind } from './source.js';

function fileList(files: readonly string[]): string {
  return `[${files.map(sqlString).join(', ')}]`;
}

/** The raw relation of a set of output files, every column as the files hold it. */
export function rawRelation(kind: OutputFileKind, files: readonly string[]): string {
  switch (kind) {
    case 'parquet':
    case 'ocsf':
      return `read_parquet(${fileList(files)}, union_by_name = true, hive_partitioning = false)`;
    case 'jsonl':
      return `read_json(${fileList(files)}, format = 'newline_delimited', union_by_name = true, compression = 'gzip', sample_size = -1)`;
    case 'csv':
      // Every value as text: `-` and formula-neutralised values are turned into types below.
      return `read_csv(${fileList(files)}, header = true, all_varchar = true, union_by_name = true, compression = 'gzip', quote = '"', escape = '"')`;
  }
}

const DUCKDB_TYPES = { int32: 'INTEGER', int64: 'BIGINT', string: 'VARCHAR' } as const;

/**
 * The select list that gives any output kind the Parquet names and types (DESIGN §4): `timestamp` a TIMESTAMP,
 * int32/int64 fields numbers, `-` → NULL. `columns` are the raw relation's column names (CSV headers use AWS's
 * `-` names). Parquet and JSONL are typed already; CSV holds text as in the log.
 */
export function typedColumns(kind: OutputFileKind, columns: readonly string[]): string[] {
  const select: string[] = [];
  const names = new Set<string>();
  for (const raw of columns) {
    const quoted = `"${raw.replaceAll('"', '""')}"`;
    if (raw === 'timestamp') {
      select.push(kind === 'parquet' ? quoted : `TRY_CAST(${quoted} AS TIMESTAMP) AS "timestamp"`);
      names.add('timestamp');
      continue;
    }
    const field = fieldByName(raw.replaceAll('_', '-'));
    const column = field.column;
    if (names.has(column)) continue;
    names.add(column);
    const type = DUCKDB_TYPES[field.type];
    const as = `"${column.replaceAll('"', '""')}"`;
    if (kind === 'csv') {
      const value = `nullif(${quoted}, '-')`;
      // The CSV writer put a `'` before values a spreadsheet would run as a formula: take it off again.
      select.push(
        field.type === 'string'
          ? `CASE WHEN regexp_matches(${value}, '^''[=+\\-@\\t\\r]') THEN substr(${value}, 2) ELSE ${value} END AS ${as}`
          : `TRY_CAST(${value} AS ${type}) AS ${as}`,
      );
    } else {
      select.push(`CAST(${quoted} AS ${type}) AS ${as}`);
    }
  }
  // Outputs always have `timestamp`; AWS's own Parquet delivery does not: the flow's start stands in.
  if (!names.has('timestamp') && names.has('start')) {
    select.unshift(`make_timestamp(CAST("start" AS BIGINT) * 1000000) AS "timestamp"`);
  }
  return select;
}

/** `start` bounds (epoch seconds) for --since/--until, as a predicate. */
export function timeWindow(since?: number, until?: number): string {
  const parts: string[] = [];
  if (since !== undefined) parts.push(`"start" >= ${since}`);
  if (until !== undefined) parts.push(`"start" < ${until}`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}
