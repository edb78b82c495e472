import { type FlowFormat, resolveFormat } from '../formats/format.js';
import { HUNTS, missingColumns } from '../hunt/catalog.js';
import { ATHENA } from '../hunt/dialect.js';
import { defaults, rankedQuery } from '../hunt/render.js';
import type { HuntContext, HuntDefinition } from '../hunt/types.js';
import { OCSF_ATHENA, ocsfFlowColumns } from '../ocsf/flows.js';
import { type AthenaTableOptions, dataFileFilter, queryName, viewName } from './ddl.js';
import { isLake, lakeViewQueryName } from './lake.js';

/** A saved query for the flow-log table, as data (for Athena named queries) and as commented SQL. */
export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/**
 * How far back each hunt looks by default, in days. Hunts that look for persistence or need a baseline read a
 * week or a month; the ones that rank volume read a day, which keeps the bytes Athena scans (and bills) small.
 */
export const ATHENA_WINDOW_DAYS: Readonly<Record<string, number>> = {
  mining: 7,
  exposed: 7,
  scan: 1,
  egress: 1,
  rejected: 1,
  talkers: 1,
  new: 30,
  coverage: 7,
  ioc: 7,
  ip: 7,
};

/** Placeholders a user replaces before running a query (documentation addresses: they never match real traffic). */
export const PLACEHOLDERS = {
  account: '111122223333',
  region: 'us-east-1',
  indicator: '203.0.113.0/24',
  address: '203.0.113.7',
} as const;

/** The name of a hunt's named query. */
export function namedQueryName(hunt: HuntDefinition): string {
  return `flowlake-${hunt.name}`;
}

/** Hunts that take an address list (`ioc --list`, `mining --ioc`) read it from an inline `ioc` relation. */
function takesAddressList(hunt: HuntDefinition): boolean {
  return hunt.needsIoc === true || (hunt.options ?? []).some((o) => o.kind === 'file');
}

/**
 * What the hunts read. Over the lake (Parquet in the hive layout) its flows view, always. Otherwise, `view`: over
 * CSV the typed view (types, `-` → NULL, data files only), over Parquet the table (the query keeps its data files). `table`: the table in both cases, the query keeping its data files —
 * for a CSV table that reads `-` as NULL itself (the CDK stack's, which has no view).
 */
export type HuntRelation = 'view' | 'table';

function readsView(options: AthenaTableOptions, relation: HuntRelation): boolean {
  return isLake(options) || (options.output === 'csv' && relation === 'view');
}

/** The lake (Parquet, hive layout) is always read through its flows view: its tables hold retired files too. */
function huntRelation(options: AthenaTableOptions, relation: HuntRelation = 'view'): string {
  if (isLake(options)) return lakeViewQueryName(options);
  return readsView(options, relation) ? viewName(options) : queryName(options);
}

/**
 * The named queries: one per hunt of the catalog whose columns the table has. Each reads a `flows` relation
 * defined once at its top (the table or typed view, bounded to the hunt's default window, partition pruning and
 * the account/region placeholders for the hive layout), so the window is edited in one place.
 */
export function namedQueries(options: AthenaTableOptions, relation: HuntRelation = 'view'): NamedQuery[] {
  const columns = new Set(options.format.fields.map((f) => f.column));
  return huntQueries(columns, (days) => {
    const notes: string[] = [];
    if (options.layout === 'hive' && !options.accounts?.length)
      notes.push(`Replace ${PLACEHOLDERS.account} with your account id (the table projects it as an injected value).`);
    if (options.layout === 'hive' && !options.regions?.length)
      notes.push(`Replace ${PLACEHOLDERS.region} with your region (the table projects it as an injected value).`);
    const flows = `flows AS (\n  SELECT * FROM ${huntRelation(options, relation)}\n  WHERE ${windowPredicate(options, days, !readsView(options, relation))}\n)`;
    return { notes, flows };
  });
}

/**
 * The named queries over an OCSF Network Activity table — Amazon Security Lake's VPC flow table (source
 * version 2), or a custom source filled by `convert --to ocsf` — whose `flows` maps the OCSF columns back to
 * flow-log fields (ocsf/flows.ts) within the hunt's window on `time_dt`.
 */
export function ocsfNamedQueries(table: string): NamedQuery[] {
  const columns = new Set(resolveFormat('v5').fields.map((f) => f.column));
  const select = ocsfFlowColumns(OCSF_ATHENA).join(',\n    ');
  return huntQueries(columns, (days) => ({
    notes: ['Over a custom source table (partitioned by eventday), add eventday >= the first day to prune partitions.'],
    flows: `flows AS (\n  SELECT\n    ${select}\n  FROM ${table}\n  WHERE time_dt >= current_timestamp - INTERVAL '${days}' DAY\n    AND class_uid = 4001\n)`,
  }));
}

/** One query per hunt whose columns `columns` has, each reading the `flows` relation that `source` defines. */
function huntQueries(
  columns: ReadonlySet<string>,
  source: (days: number) => { notes: string[]; flows: string },
): NamedQuery[] {
  return HUNTS.filter((h) => missingColumns(h, (c) => columns.has(c)).length === 0).map((hunt) => {
    const days = ATHENA_WINDOW_DAYS[hunt.name] ?? 1;
    const ctx: HuntContext = {
      d: ATHENA,
      from: 'flows',
      window: 'TRUE',
      has: (c) => columns.has(c),
      options: { ...defaults(hunt), ...(hunt.name === 'ip' ? { targets: [PLACEHOLDERS.address] } : {}) },
      ...(takesAddressList(hunt) ? { ioc: 'ioc' } : {}),
    };
    const { notes: sourceNotes, flows } = source(days);
    const notes = [
      `Window: flows that started in the last ${plural(days)} (edit INTERVAL '${days}' DAY in "flows" to change it).`,
      ...sourceNotes,
    ];
    const ctes = [flows];
    if (ctx.ioc) {
      notes.push(
        hunt.needsIoc
          ? `Put your indicators (addresses or CIDRs, IPv4 or IPv6) in "ioc", one ('…') row each.`
          : `Optional: put known pool addresses or CIDRs in "ioc" to find pools on any port (the placeholder matches nothing).`,
      );
      ctes.push(`ioc AS (\n  SELECT * FROM (VALUES ('${PLACEHOLDERS.indicator}')) AS list(indicator)\n)`);
    }
    if (hunt.name === 'ip')
      notes.push(`Replace ${PLACEHOLDERS.address} with the address to follow (for CIDRs use flowlake-ioc).`);
    // One WITH for the whole statement: the hunt's own CTEs follow `flows` (a WITH inside a subquery is valid
    // Trino, but not every SQL tool reads it).
    const { sql: huntSql, orderBy } = hunt.build(ctx);
    const { ctes: huntCtes, body } = splitWith(huntSql);
    if (huntCtes) ctes.push(huntCtes);
    const query = rankedQuery({ sql: body, orderBy }, 100);
    const sql = `${notes.map((n) => `-- ${n}`).join('\n')}\nWITH ${ctes.join(',\n')}\n${query};`;
    return { name: namedQueryName(hunt), description: `${hunt.summary} (last ${plural(days)})`, sql };
  });
}

/**
 * `WITH a AS (…), b AS (…) SELECT …` → the CTE list and the final query (the first SELECT outside parentheses
 * and string literals); a query without WITH is all body.
 */
function splitWith(sql: string): { ctes?: string; body: string } {
  const text = sql.trimStart();
  if (!/^WITH\s/i.test(text)) return { body: sql };
  let depth = 0;
  for (let i = 4; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      i = text.indexOf("'", i + 1);
      while (text[i + 1] === "'") i = text.indexOf("'", i + 2);
      if (i < 0) break;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /^SELECT\b/i.test(text.slice(i, i + 7)) && /\s/.test(text[i - 1])) {
      const ctes = text.slice(4, i).trim();
      for (const name of ['flows', 'ioc'])
        if (new RegExp(`(^|,)\\s*${name}\\s+AS\\s*\\(`, 'i').test(ctes)) throw new Error(`a hunt defines "${name}"`);
      return { ctes, body: text.slice(i) };
    }
  }
  throw new Error(`no query after the WITH clause of: ${sql.slice(0, 80)}`);
}

/**
 * The bound of `flows`: flow start in the last `days` days; for the hive layout also the partitions of those days
 * (so Athena lists only them) and the injected account and region, which Athena requires; and, on the table
 * itself (not through a view that does it), only flowlake's data files (see dataFileFilter).
 */
function windowPredicate(options: AthenaTableOptions, days: number, dataFilesOnly: boolean): string {
  const since = `current_timestamp - INTERVAL '${days}' DAY`;
  const conditions: string[] = [];
  if (options.layout === 'hive') {
    if (!options.accounts?.length) conditions.push(`"aws-account-id" = '${PLACEHOLDERS.account}'`);
    if (!options.regions?.length) conditions.push(`"aws-region" = '${PLACEHOLDERS.region}'`);
    const day = `current_date - INTERVAL '${days}' DAY`;
    conditions.push(`year >= date_format(${day}, '%Y')`, `concat(year, month, day) >= date_format(${day}, '%Y%m%d')`);
  }
  if (dataFilesOnly) conditions.push(dataFileFilter(options.output));
  conditions.push(`"start" >= to_unixtime(${since})`);
  return conditions.join('\n    AND ');
}

/** The queries as one SQL text, each preceded by a comment with its name and description. */
export function formatNamedQueries(queries: readonly NamedQuery[]): string {
  return queries.map((q) => `-- ${q.name}: ${q.description}\n${q.sql}`).join('\n\n');
}

/** The hunts a format cannot run, with the columns each lacks (they are left out of the named queries). */
export function huntsLeftOut(format: FlowFormat): { name: string; missing: string[] }[] {
  const columns = new Set(format.fields.map((f) => f.column));
  return HUNTS.map((h) => ({ name: namedQueryName(h), missing: missingColumns(h, (c) => columns.has(c)) })).filter(
    (h) => h.missing.length > 0,
  );
}

function plural(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}
