import { OUTPUT_EXTENSIONS } from '../encode/types.js';
import type { FieldType } from '../formats/fields.js';
import type { FlowFormat } from '../formats/format.js';

/**
 * Athena DDL for flowlake's outputs (DESIGN §4). Column names and types are those of the Parquet files
 * (`timestamp`, then each field under its `_` name: int32 → int, int64 → bigint, string → string).
 */

export type AthenaOutput = 'parquet' | 'csv';
export type AthenaLayout = 'hive' | 'mirror';

export interface AthenaTableOptions {
  /** `s3://bucket/prefix`: the destination flowlake converted into (for hive, the folder that holds `AWSLogs/`). */
  readonly location: string;
  readonly output: AthenaOutput;
  readonly layout: AthenaLayout;
  readonly format: FlowFormat;
  readonly table?: string;
  readonly database?: string;
  /** Account ids for an `enum` projection; without them the account is an `injected` projection. */
  readonly accounts?: readonly string[];
  /** Regions for an `enum` projection; without them the region is an `injected` projection. */
  readonly regions?: readonly string[];
  /** Inclusive year range of the `year` projection. */
  readonly years?: readonly [number, number];
}

export interface AthenaColumn {
  readonly name: string;
  readonly type: 'timestamp' | 'int' | 'bigint' | 'string';
}

/** The partition columns of AWS's Hive-compatible layout, in path order. */
export const HIVE_PARTITIONS = ['aws-account-id', 'aws-service', 'aws-region', 'year', 'month', 'day', 'hour'] as const;
/** The partitions of the lake's compacted days: the hive path without the hour. */
export const DAY_PARTITIONS = HIVE_PARTITIONS.filter((p) => p !== 'hour');

const ATHENA_TYPES: Readonly<Record<FieldType, AthenaColumn['type']>> = {
  int32: 'int',
  int64: 'bigint',
  string: 'string',
};

/** The first year flow logs can have: VPC Flow Logs launched in 2015. */
const FIRST_FLOW_LOG_YEAR = 2015;

/**
 * Every year flow logs can have: from the launch of VPC Flow Logs to ten years ahead of now. Old stashes
 * converted to the hive layout land in their own years, so the projection must reach back to the start.
 */
export function defaultYears(now = new Date()): [number, number] {
  return [FIRST_FLOW_LOG_YEAR, now.getUTCFullYear() + 10];
}

/**
 * A predicate keeping only flowlake's data files of one kind: Athena reads every object under a table's
 * location, and skipping `_` folders is engine behaviour, not a promise. Outside the data, the location may hold
 * `_flowlake/` bookkeeping (completion markers .json, rejects .jsonl.gz, run reports) and, when several formats
 * were written to one destination, the other formats' files side by side.
 */
export function dataFileFilter(output: AthenaOutput): string {
  return `"$path" LIKE '%${OUTPUT_EXTENSIONS[output]}' AND strpos("$path", '/_flowlake/') = 0`;
}

export function athenaColumns(format: FlowFormat): AthenaColumn[] {
  return [
    { name: 'timestamp', type: 'timestamp' },
    ...format.fields.map((f) => ({ name: f.column, type: ATHENA_TYPES[f.type] })),
  ];
}

export function defaultTableName(output: AthenaOutput): string {
  return `vpc_flow_logs_${output}`;
}

/** The table's name: the one given, else the default of its output kind. */
export function tableName(options: Pick<AthenaTableOptions, 'table' | 'output'>): string {
  return options.table ?? defaultTableName(options.output);
}

/** `db`.`table`, or `table`. */
export function qualifiedName(options: Pick<AthenaTableOptions, 'database' | 'table' | 'output'>): string {
  const table = `\`${tableName(options)}\``;
  return options.database ? `\`${options.database}\`.${table}` : table;
}

/** "db"."table", or "table": the name as a query (rather than DDL) quotes it. */
export function queryName(options: Pick<AthenaTableOptions, 'database' | 'table' | 'output'>): string {
  return qualifiedName(options).replaceAll('`', '"');
}

/** The S3 prefix of the table: hive tables start at `AWSLogs/`, as in AWS's own delivery. */
export function tableLocation(options: Pick<AthenaTableOptions, 'location' | 'layout'>): string {
  const base = options.location.endsWith('/') ? options.location : `${options.location}/`;
  return options.layout === 'hive' ? `${base}AWSLogs/` : base;
}

/** The table's columns: CSV holds the ISO text of the time (the typed view turns it into a timestamp). */
export function tableColumns(options: Pick<AthenaTableOptions, 'format' | 'output'>): AthenaColumn[] {
  return athenaColumns(options.format).map((c) =>
    options.output === 'csv' && c.type === 'timestamp' ? { ...c, type: 'string' as const } : c,
  );
}

/** The table's properties: compression or header, and partition projection for the hive layout. */
export function tableProperties(options: AthenaTableOptions): [string, string][] {
  const properties: [string, string][] = [];
  if (options.output === 'parquet') properties.push(['parquet.compression', 'SNAPPY']);
  else properties.push(['skip.header.line.count', '1']);
  if (options.layout === 'hive') properties.push(...projectionProperties(options));
  return properties;
}

export function createTableDdl(options: AthenaTableOptions): string {
  if (!options.location.startsWith('s3://'))
    throw new Error(`the table location must be an s3:// URL, not "${options.location}"`);
  const lines = [`CREATE EXTERNAL TABLE IF NOT EXISTS ${qualifiedName(options)} (`];
  lines.push(
    tableColumns(options)
      .map((c) => `  \`${c.name}\` ${c.type}`)
      .join(',\n'),
  );
  lines.push(')');
  if (options.layout === 'hive') {
    lines.push('PARTITIONED BY (');
    lines.push(HIVE_PARTITIONS.map((p) => `  \`${p}\` string`).join(',\n'));
    lines.push(')');
  }
  if (options.output === 'parquet') {
    lines.push('STORED AS PARQUET');
  } else {
    // LazySimpleSerDe: `-` in an int/bigint column reads as NULL; values never contain commas in flow logs.
    lines.push("ROW FORMAT DELIMITED FIELDS TERMINATED BY ','");
    lines.push('STORED AS TEXTFILE');
  }
  lines.push(`LOCATION '${tableLocation(options)}'`);
  lines.push('TBLPROPERTIES (');
  lines.push(
    tableProperties(options)
      .map(([k, v]) => `  '${k}' = '${v}'`)
      .join(',\n'),
  );
  lines.push(');');
  return lines.join('\n');
}

/**
 * Partition projection over the hive path, so no `MSCK REPAIR TABLE` is needed: account and region are
 * `enum` when their values are given, else `injected` (queries must then name them with `=`); the time parts
 * are zero-padded `integer` ranges, which Athena prunes from any predicate on year/month/day/hour.
 */
export function projectionProperties(
  options: AthenaTableOptions,
  where: { readonly root?: string; readonly hourly?: boolean } = {},
): [string, string][] {
  const [fromYear, toYear] = options.years ?? defaultYears();
  const hourly = where.hourly ?? true;
  const partitions = hourly ? HIVE_PARTITIONS : DAY_PARTITIONS;
  const props: [string, string][] = [['projection.enabled', 'true']];
  const enumOrInjected = (column: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) {
      props.push([`projection.${column}.type`, 'enum'], [`projection.${column}.values`, values.join(',')]);
    } else {
      props.push([`projection.${column}.type`, 'injected']);
    }
  };
  enumOrInjected('aws-account-id', options.accounts);
  props.push(['projection.aws-service.type', 'enum'], ['projection.aws-service.values', 'vpcflowlogs']);
  enumOrInjected('aws-region', options.regions);
  const integer = (column: string, from: number, to: number, digits: number) => {
    props.push(
      [`projection.${column}.type`, 'integer'],
      [`projection.${column}.range`, `${from},${to}`],
      [`projection.${column}.digits`, String(digits)],
    );
  };
  integer('year', fromYear, toYear, 4);
  integer('month', 1, 12, 2);
  integer('day', 1, 31, 2);
  if (hourly) integer('hour', 0, 23, 2);
  const template = partitions.map((p) => `${p}=\${${p}}`).join('/');
  props.push(['storage.location.template', `${where.root ?? tableLocation(options)}${template}/`]);
  return props;
}

/** Name of the view that reads only the data files: `<table>_typed` over CSV, `<table>_flows` over Parquet. */
export function viewName(options: Pick<AthenaTableOptions, 'database' | 'table' | 'output'>): string {
  const table = `${tableName(options)}${options.output === 'csv' ? '_typed' : '_flows'}`;
  return options.database ? `"${options.database}"."${table}"` : `"${table}"`;
}

/**
 * CSV keeps values as in the log: the view gives the Parquet types back — the time as a timestamp and `-` as
 * NULL in string columns (int/bigint columns already read `-` as NULL) — and reads only the CSV data files.
 */
export function csvTypedViewDdl(options: AthenaTableOptions): string {
  return viewDdl(options, typedViewSelect(options));
}

/** The typed columns of the CSV view, as its SELECT list. */
function typedViewSelect(options: Pick<AthenaTableOptions, 'format' | 'layout'>): string[] {
  const select = athenaColumns(options.format).map((c) => {
    // ISO text with Z → timestamp with time zone UTC → the UTC wall time as Parquet's `timestamp`.
    if (c.type === 'timestamp')
      return `CAST(from_iso8601_timestamp(nullif("timestamp", '')) AS timestamp) AS "timestamp"`;
    if (c.type === 'string') return `nullif("${c.name}", '-') AS "${c.name}"`;
    return `"${c.name}"`;
  });
  const partitions = options.layout === 'hive' ? HIVE_PARTITIONS.map((p) => `"${p}"`) : [];
  return [...select, ...partitions];
}

/** Over Parquet the view only leaves out what is not a Parquet data file (bookkeeping, other formats). */
export function parquetViewDdl(options: AthenaTableOptions): string {
  return viewDdl(options, ['*']);
}

/** The view's query: the SELECT list over the table, data files only. */
function viewQuery(table: string, select: readonly string[], output: AthenaOutput): string {
  return ['SELECT', select.map((s) => `  ${s}`).join(',\n'), `FROM ${table}`, `WHERE ${dataFileFilter(output)}`].join(
    '\n',
  );
}

function viewDdl(options: AthenaTableOptions, select: readonly string[]): string {
  const table = queryName(options);
  return `CREATE OR REPLACE VIEW ${viewName(options)} AS\n${viewQuery(table, select, options.output)};`;
}
