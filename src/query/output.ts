import type { JsonValue } from './values.js';

export type OutputFormat = 'table' | 'csv' | 'json';

export interface QueryResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly rows: ReadonlyArray<Readonly<Record<string, JsonValue>>>;
}

/** Renders a result for stdout. */
export function formatResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result.rows, null, 2)}\n`;
    case 'csv':
      return formatCsv(result);
    default:
      return formatTable(result);
  }
}

function text(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** Longer cells are cut in a table (csv and json keep them whole). */
const MAX_CELL = 60;

function cell(value: JsonValue): string {
  const flat = text(value).replace(/[\r\n\t]/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Aligned columns for a terminal: numbers right-aligned, a dash rule under the header. */
export function formatTable(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  if (result.rows.length === 0) return `${names.join('  ')}\n(no rows)\n`;
  const cells = result.rows.map((row) => names.map((n) => cell(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((r) => r[i].length)));
  const right = result.columns.map((c) => NUMERIC.test(c.type));
  const line = (values: string[]) =>
    values
      .map((v, i) => (right[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(names), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})\n`;
}

/** RFC 4180 CSV with a header row. */
export function formatCsv(result: QueryResult): string {
  const names = result.columns.map((c) => c.name);
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const lines = [
    names.map(quote).join(','),
    ...result.rows.map((row) => names.map((n) => quote(text(row[n]))).join(',')),
  ];
  return `${lines.join('\n')}\n`;
}
