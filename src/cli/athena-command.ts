import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type AthenaLayout,
  type AthenaOutput,
  type AthenaTableOptions,
  createTableDdl,
  csvTypedViewDdl,
  defaultYears,
  parquetViewDdl,
  viewName,
} from '../athena/ddl.js';
import { isLake, lakeTableDdl, lakeTables, lakeViewDdl, lakeViewQueryName } from '../athena/lake.js';
import { formatNamedQueries, huntsLeftOut, namedQueries, ocsfNamedQueries } from '../athena/queries.js';
import { FormatError, resolveFormat } from '../formats/format.js';
import { OCSF_ATHENA, ocsfFlowColumns } from '../ocsf/flows.js';
import { UsageError } from './usage-error.js';

interface AthenaFlags {
  location?: string;
  tableKind?: 'flowlake' | 'ocsf';
  to: AthenaOutput;
  layout: AthenaLayout;
  fields?: string;
  table?: string;
  database?: string;
  accounts?: string[];
  regions?: string[];
  years?: [number, number];
  queries: boolean;
}

function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}

function parseYears(value: string): [number, number] {
  const m = /^(\d{4})[-,](\d{4})$/.exec(value.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError('expected FROM-TO years, e.g. 2021-2035');
  return [Number(m[1]), Number(m[2])];
}

function parseIdentifier(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError('letters, digits and _ only');
  return value.toLowerCase();
}

/** `flowlake athena-ddl`: prints CREATE EXTERNAL TABLE for the outputs, then the named queries. */
export function registerAthenaCommand(program: Command): void {
  const [fromYear, toYear] = defaultYears();
  program
    .command('athena-ddl')
    .description(
      'print the Athena CREATE TABLE and VIEW statements, and every hunt as a named query, for converted flow logs',
    )
    .option('--location <s3-url>', 'destination the outputs were converted into (s3://bucket/prefix)')
    .addOption(
      new Option(
        '--table-kind <kind>',
        "flowlake: flowlake's outputs (needs --location); ocsf: an OCSF Network Activity table (Security Lake's VPC flow table or a --to ocsf custom source, named by --table): the hunts only",
      )
        .choices(['flowlake', 'ocsf'])
        .default('flowlake'),
    )
    .addOption(new Option('--to <kind>', 'output the table reads').choices(['parquet', 'csv']).default('parquet'))
    .addOption(
      new Option('--layout <layout>', 'output layout (as given to convert)')
        .choices(['hive', 'mirror'])
        .default('mirror'),
    )
    .option('--fields <format>', 'flow-log format of the outputs, in AWS syntax or v2…v11 (default v2)')
    .option('--table <name>', 'table name (default vpc_flow_logs_parquet / vpc_flow_logs_csv)', parseIdentifier)
    .option('--database <name>', 'database of the table', parseIdentifier)
    .option('--accounts <ids>', 'account ids for an enum projection (default: injected)', parseList)
    .option('--regions <names>', 'regions for an enum projection (default: injected)', parseList)
    .option('--years <from-to>', `years of the year projection (default ${fromYear}-${toYear})`, parseYears)
    .option('--no-queries', 'print the DDL only')
    .action((flags: AthenaFlags) => {
      process.stdout.write(athenaDdlText(flags));
    });
}

/** Everything the command prints, as one text (tested without a process). */
export function athenaDdlText(flags: AthenaFlags): string {
  if (flags.tableKind === 'ocsf') return ocsfText(flags);
  if (flags.location === undefined) throw new UsageError('--location is required (the destination converted into)');
  if (!flags.location.startsWith('s3://'))
    throw new UsageError(`--location must be an s3:// URL, not "${flags.location}"`);
  let format: ReturnType<typeof resolveFormat>;
  try {
    format = resolveFormat(flags.fields);
  } catch (error) {
    if (error instanceof FormatError) throw new UsageError(error.message);
    throw error;
  }
  const options: AthenaTableOptions = {
    location: flags.location,
    output: flags.to,
    layout: flags.layout,
    format,
    table: flags.table,
    database: flags.database,
    accounts: flags.accounts,
    regions: flags.regions,
    years: flags.years,
  };
  const parts = isLake(options) ? lakeDdl(options) : tableDdl(options);
  if (flags.queries) {
    const reading = isLake(options) ? lakeViewQueryName(options) : flags.to === 'csv' ? viewName(options) : 'the table';
    parts.push(`-- The hunts of \`flowlake hunt\`, reading ${reading}:`);
    const leftOut = huntsLeftOut(format).map(
      (h) => `-- ${h.name} is left out: the format lacks ${h.missing.join(', ')}.`,
    );
    if (leftOut.length > 0) parts.push(leftOut.join('\n'));
    const queries = namedQueries(options);
    if (queries.length > 0) parts.push(formatNamedQueries(queries));
  }
  return `${parts.join('\n\n')}\n`;
}

/** One table over what convert wrote, and its view. */
function tableDdl(options: AthenaTableOptions): string[] {
  return [
    createTableDdl(options),
    options.output === 'csv'
      ? `-- Query this view, not the table: the rows with Parquet types (timestamp, NULL for "-"), data files only (no _flowlake/ bookkeeping):\n${csvTypedViewDdl(options)}`
      : `-- The table's Parquet files only (no _flowlake/ bookkeeping, no other formats written beside them):\n${parquetViewDdl(options)}`,
  ];
}

/**
 * The lake (Parquet in the hive layout, compacted or not): its three tables and the flows view that reads each
 * row once — the same tables and view the CDK stack creates.
 */
function lakeDdl(options: AthenaTableOptions): string[] {
  const notes = {
    recent: '-- The hourly files as convert writes them (hourly projection). Query the view, not this table:',
    compacted: '-- The days compacted by flowlake compact (daily projection), every generation. Query the view:',
    state: "-- The lake state: each day's live compacted generation and the files it retired:",
  };
  return [
    ...lakeTables(options).map((t) => `${notes[t.role]}\n${lakeTableDdl(options, t)}`),
    `-- Every row once, whatever compaction is doing: query this view (no _flowlake/ bookkeeping is under any table):\n${lakeViewDdl(options)}`,
  ];
}

/**
 * `--table-kind ocsf`: Security Lake makes its tables itself, so no DDL; a view that reads the table as flow-log
 * rows, then the hunts over the same mapping.
 */
function ocsfText(flags: AthenaFlags): string {
  if (!flags.table) {
    throw new UsageError(
      '--table-kind ocsf needs --table: the OCSF table (e.g. amazon_security_lake_table_us_east_1_vpc_flow_2_0)',
    );
  }
  const quote = (name: string) => `"${name}"`;
  const table = flags.database ? `${quote(flags.database)}.${quote(flags.table)}` : quote(flags.table);
  const view = flags.database
    ? `${quote(flags.database)}.${quote(`${flags.table}_flows`)}`
    : quote(`${flags.table}_flows`);
  const parts = [
    `-- ${table} read as flow-log rows (OCSF Network Activity mapped back to the flow-log fields, "-" → NULL):\nCREATE OR REPLACE VIEW ${view} AS\nSELECT\n  ${ocsfFlowColumns(OCSF_ATHENA).join(',\n  ')}\nFROM ${table}\nWHERE class_uid = 4001;`,
  ];
  if (flags.queries) {
    parts.push(`-- The hunts of \`flowlake hunt\`, reading ${table}:`);
    parts.push(formatNamedQueries(ocsfNamedQueries(table)));
  }
  return `${parts.join('\n\n')}\n`;
}
