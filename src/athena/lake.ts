import {
  type AthenaColumn,
  type AthenaTableOptions,
  athenaColumns,
  DAY_PARTITIONS,
  HIVE_PARTITIONS,
  projectionProperties,
  tableName,
} from './ddl.js';

/**
 * Athena over the lake (DESIGN §10): Parquet in the hive layout, compacted by `flowlake compact` or the stack's
 * compaction function. Three tables and one view:
 *
 * - `<table>_recent`: the hourly files as convert writes them (`AWSLogs/…/day=D/hour=H/`), hourly projection;
 * - `<table>_compacted`: the compacted days (`compacted/AWSLogs/…/day=D/<generation>-<n>.parquet`), daily projection;
 * - `<table>_state`: the lake state (`lake-state/*.csv`): each day's live generation and the retired files;
 * - `<table>_flows`: every row once — recent files that are not retired, compacted files of their day's live
 *   generation that are not retired. Query this view, never the tables.
 *
 * Every location is a folder of data (or state) only: `_flowlake/` bookkeeping sits beside them, never inside.
 * The view reads the state table once, so each day's generation and retired files come from one version of
 * its state file: a compaction publishing while a query runs makes it see the day before or after, not both.
 */

export type LakeTableRole = 'recent' | 'compacted' | 'state';

export interface LakeTableDefinition {
  readonly role: LakeTableRole;
  /** Unqualified name. */
  readonly name: string;
  readonly description: string;
  readonly columns: readonly AthenaColumn[];
  readonly partitionKeys: readonly string[];
  readonly storage: 'parquet' | 'csv';
  readonly location: string;
  readonly properties: readonly [string, string][];
}

/** The prefix (under the lake root) of the compacted days, of the state, as src/lake writes them. */
export const LAKE_PREFIXES = { recent: 'AWSLogs/', compacted: 'compacted/AWSLogs/', state: 'lake-state/' } as const;

/** The columns of the state CSV files (src/lake/state.ts), all text. */
export const STATE_COLUMNS = ['kind', 'account', 'region', 'day', 'generation', 'path', 'delete_after'] as const;

/** Whether a table of these options is the lake's: Parquet in the hive layout. */
export function isLake(options: Pick<AthenaTableOptions, 'output' | 'layout'>): boolean {
  return options.output === 'parquet' && options.layout === 'hive';
}

/** `s3://bucket/prefix/`: the lake root, with one trailing slash. */
export function lakeRoot(options: Pick<AthenaTableOptions, 'location'>): string {
  return options.location.endsWith('/') ? options.location : `${options.location}/`;
}

export function lakeTableName(options: Pick<AthenaTableOptions, 'table' | 'output'>, role: LakeTableRole): string {
  return `${tableName(options)}_${role}`;
}

/** The view the named queries read: `<table>_flows`. */
export function lakeViewName(options: Pick<AthenaTableOptions, 'table' | 'output'>): string {
  return `${tableName(options)}_flows`;
}

/** "db"."<table>_flows", as a query names it. */
export function lakeViewQueryName(options: Pick<AthenaTableOptions, 'database' | 'table' | 'output'>): string {
  return quoted(options, lakeViewName(options));
}

function quoted(options: Pick<AthenaTableOptions, 'database'>, name: string): string {
  return options.database ? `"${options.database}"."${name}"` : `"${name}"`;
}

export function lakeTables(options: AthenaTableOptions): LakeTableDefinition[] {
  const root = lakeRoot(options);
  const columns = athenaColumns(options.format);
  const parquet = [['parquet.compression', 'SNAPPY']] as [string, string][];
  return [
    {
      role: 'recent',
      name: lakeTableName(options, 'recent'),
      description: 'flowlake lake: the hourly files as convert writes them (query the _flows view)',
      columns,
      partitionKeys: HIVE_PARTITIONS,
      storage: 'parquet',
      location: `${root}${LAKE_PREFIXES.recent}`,
      properties: [...parquet, ...projectionProperties(options, { root: `${root}${LAKE_PREFIXES.recent}` })],
    },
    {
      role: 'compacted',
      name: lakeTableName(options, 'compacted'),
      description: 'flowlake lake: the compacted days, every generation (query the _flows view)',
      columns,
      partitionKeys: DAY_PARTITIONS,
      storage: 'parquet',
      location: `${root}${LAKE_PREFIXES.compacted}`,
      properties: [
        ...parquet,
        ...projectionProperties(options, { root: `${root}${LAKE_PREFIXES.compacted}`, hourly: false }),
      ],
    },
    {
      role: 'state',
      name: lakeTableName(options, 'state'),
      description: "flowlake lake state: each day's live generation and the retired files",
      columns: STATE_COLUMNS.map((name) => ({ name, type: 'string' as const })),
      partitionKeys: [],
      storage: 'csv',
      location: `${root}${LAKE_PREFIXES.state}`,
      properties: [['skip.header.line.count', '1']],
    },
  ];
}

export function lakeTableDdl(options: AthenaTableOptions, table: LakeTableDefinition): string {
  const lines = [`CREATE EXTERNAL TABLE IF NOT EXISTS ${quoted(options, table.name).replaceAll('"', '`')} (`];
  lines.push(table.columns.map((c) => `  \`${c.name}\` ${c.type}`).join(',\n'));
  lines.push(')');
  if (table.partitionKeys.length > 0) {
    lines.push('PARTITIONED BY (');
    lines.push(table.partitionKeys.map((p) => `  \`${p}\` string`).join(',\n'));
    lines.push(')');
  }
  if (table.storage === 'parquet') lines.push('STORED AS PARQUET');
  else lines.push("ROW FORMAT DELIMITED FIELDS TERMINATED BY ','", 'STORED AS TEXTFILE');
  lines.push(`LOCATION '${table.location}'`);
  lines.push('TBLPROPERTIES (');
  lines.push(table.properties.map(([k, v]) => `  '${k}' = '${v}'`).join(',\n'));
  lines.push(');');
  return lines.join('\n');
}

/** The generation in a compacted file's name (`<generation>[.<group>]-<n>.parquet`, see src/lake/lake-keys.ts). */
const GENERATION_IN_PATH = String.raw`/([0-9]{8}T[0-9]{6}Z-[0-9a-f]{6})[^/]*\.parquet$`;

/** The view's columns: the flow columns, then the day's partitions (the hour is the recent files' only). */
export function lakeViewColumns(options: AthenaTableOptions): AthenaColumn[] {
  return [...athenaColumns(options.format), ...DAY_PARTITIONS.map((name) => ({ name, type: 'string' as const }))];
}

/** The view's query (what `CREATE OR REPLACE VIEW … AS` takes, and what the Glue view stores). */
export function lakeViewSql(options: AthenaTableOptions): string {
  const root = lakeRoot(options).replaceAll("'", "''");
  const flowColumns = athenaColumns(options.format).map((c) => `"${c.name}"`);
  const partitions = DAY_PARTITIONS.map((p) => `"${p}"`);
  const select = [...flowColumns, ...partitions].join(', ');
  const lakeKey = `substr("$path", length('${root}') + 1) AS lake_key`;
  const table = (role: LakeTableRole) => quoted(options, lakeTableName(options, role));
  return [
    'WITH',
    // One scan of the state: per state file, one map of its rows (a day's generation, a retired file's grace).
    'state AS (',
    '  SELECT map_agg(',
    `      CASE WHEN "kind" = 'generation' THEN concat('day:', "account", '/', "region", '/', "day") ELSE concat('file:', "path") END,`,
    `      CASE WHEN "kind" = 'generation' THEN "generation" ELSE "delete_after" END`,
    '    ) AS entries',
    `  FROM ${table('state')}`,
    '  GROUP BY "$path"',
    '),',
    'days AS (',
    '  SELECT substr(e.k, 5) AS day_id, e.v AS generation, s.entries',
    '  FROM state s',
    '  CROSS JOIN UNNEST(s.entries) AS e (k, v)',
    `  WHERE e.k LIKE 'day:%'`,
    '),',
    'files AS (',
    `  SELECT ${select}, ${lakeKey}, CAST(NULL AS varchar) AS generation`,
    `  FROM ${table('recent')}`,
    `  WHERE "$path" LIKE '%.parquet'`,
    '  UNION ALL',
    `  SELECT ${select}, ${lakeKey}, regexp_extract("$path", '${GENERATION_IN_PATH}', 1) AS generation`,
    `  FROM ${table('compacted')}`,
    `  WHERE "$path" LIKE '%.parquet'`,
    ')',
    `SELECT ${[...flowColumns, ...partitions].map((c) => `f.${c}`).join(', ')}`,
    'FROM files f',
    `LEFT JOIN days d ON d.day_id = concat(f."aws-account-id", '/', f."aws-region", '/', f."year", f."month", f."day")`,
    `WHERE (d.entries IS NULL OR element_at(d.entries, concat('file:', f.lake_key)) IS NULL)`,
    '  AND (f.generation IS NULL OR f.generation = d.generation)',
  ].join('\n');
}

export function lakeViewDdl(options: AthenaTableOptions): string {
  return `CREATE OR REPLACE VIEW ${quoted(options, lakeViewName(options))} AS\n${lakeViewSql(options)};`;
}

/** Trino's names of the view's column types, as Athena records them in a view's definition. */
const TRINO_TYPES: Readonly<Record<AthenaColumn['type'], string>> = {
  timestamp: 'timestamp(3)',
  int: 'integer',
  bigint: 'bigint',
  string: 'varchar',
};

/**
 * The view's definition as the Glue Data Catalog holds an Athena view (`/* Presto View: <base64 of this> *\/`):
 * the catalog, the database, the query and its columns with Trino types, as Athena records a `CREATE VIEW`.
 * The stack creates that Glue table, so the view exists from the deployment on.
 */
export function prestoViewDefinition(options: AthenaTableOptions & { readonly database: string }): string {
  const definition = {
    originalSql: lakeViewSql(options),
    catalog: 'awsdatacatalog',
    schema: options.database,
    columns: lakeViewColumns(options).map((c) => ({ name: c.name, type: TRINO_TYPES[c.type] })),
  };
  return JSON.stringify(definition);
}
