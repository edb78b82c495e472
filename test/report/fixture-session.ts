import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { findHunt } from '../../src/hunt/catalog.js';
import { DUCKDB, duckdbMacros } from '../../src/hunt/dialect.js';
import { huntQuery } from '../../src/hunt/render.js';
import type { HuntContext } from '../../src/hunt/types.js';
import type { JsonValue, QueryResult, ReportSession } from '../../src/report/session.js';

/** A flow record with the Parquet names of the v2 default format. */
export interface FixtureFlow {
  interface_id: string;
  srcaddr: string | null;
  dstaddr: string | null;
  srcport: number | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  start: number;
  end: number;
  action: string | null;
  log_status: string;
}

const COLUMNS: Record<keyof FixtureFlow, string> = {
  interface_id: 'VARCHAR',
  srcaddr: 'VARCHAR',
  dstaddr: 'VARCHAR',
  srcport: 'INTEGER',
  dstport: 'INTEGER',
  protocol: 'INTEGER',
  packets: 'BIGINT',
  bytes: 'BIGINT',
  start: 'BIGINT',
  end: 'BIGINT',
  action: 'VARCHAR',
  log_status: 'VARCHAR',
};

/**
 * A session over flows held in an in-memory DuckDB table, with the hunt catalog's macros: the report's queries
 * and hunts run on the real engine without a stash.
 */
export async function fixtureSession(
  dir: string,
  flows: readonly FixtureFlow[],
): Promise<ReportSession & { close(): void }> {
  const file = join(dir, 'flows.jsonl');
  writeFileSync(file, flows.map((f) => JSON.stringify(f)).join('\n'));
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  for (const macro of duckdbMacros()) await con.run(macro);
  const columns = Object.entries(COLUMNS)
    .map(([name, type]) => `'${name}': '${type}'`)
    .join(', ');
  await con.run(`CREATE TABLE flows AS SELECT *, make_timestamp("start" * 1000000) AS "timestamp"
    FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`);
  const names = new Set([...Object.keys(COLUMNS), 'timestamp']);
  const context = (options: Record<string, string | number | string[]> = {}): HuntContext => ({
    d: DUCKDB,
    from: 'flows',
    window: 'TRUE',
    has: (c) => names.has(c),
    options,
  });
  const query = async (sql: string): Promise<QueryResult> => {
    const reader = await con.runAndReadAll(sql);
    const rows = reader.getRowObjectsJson() as Record<string, JsonValue>[];
    const types = reader.columnTypes();
    const columnsOut = reader.columnNames().map((name, i) => ({ name, type: String(types[i]) }));
    const integers = columnsOut.filter((c) => /INT/.test(c.type)).map((c) => c.name);
    return { columns: columnsOut, rows: rows.map((row) => normalise(row, integers)) };
  };
  return {
    columns: names,
    description: `fixture flows (${flows.length} records)`,
    query,
    context,
    async hunt(name, options = {}, limit) {
      const hunt = findHunt(name);
      if (!hunt) throw new Error(`no hunt ${name}`);
      return query(huntQuery(hunt, context(options), limit));
    },
    close: () => con.closeSync(),
  };
}

/** getRowObjectsJson gives big integers as text: numbers (below 2^53) as the engine's session gives them. */
function normalise(row: Record<string, JsonValue>, integers: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...row };
  for (const k of integers) {
    const v = row[k];
    if (typeof v === 'string' && Math.abs(Number(v)) < 2 ** 53) out[k] = Number(v);
  }
  return out;
}
