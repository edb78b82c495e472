import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { namedQueries } from '../../src/athena/queries.js';
import { convert } from '../../src/convert/run.js';
import { resolveFormat } from '../../src/formats/format.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { type FlowsSession, openFlows } from '../../src/query/index.js';
import { PLANTED, writeIncidentStash } from '../../src/sample/incidents.js';
import { tempDir } from '../support/temp-dir.js';
import { TRINO_EMULATION, trinoToDuckdb } from './trino-emulation.js';

type Row = Record<string, unknown>;

/**
 * The Athena named queries give the answers of `flowlake hunt`. No Athena runs here: each query's text is run in
 * DuckDB with the Trino functions DuckDB lacks emulated (see trino-emulation.ts), over the Parquet outputs of the
 * planted-incident stash (format v5, so the NAT-aware columns count), and compared with the DuckDB hunt.
 */
describe('Athena named queries answer as the local hunts (Trino functions emulated in DuckDB)', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const P = PLANTED;
  // As the local address list spells them (a bare address is read as its /32).
  const indicators = [`${P.miner.pool}/32`, `${P.miner.pool443}/32`];
  let session: FlowsSession;
  let instance: DuckDBInstance;
  let con: DuckDBConnection;
  let queries: Map<string, string>;

  before(async () => {
    await writeIncidentStash(join(dir, 'stash'), { format: 'v5', seed: 4 });
    await convert(join(dir, 'stash'), out, { to: ['parquet'], layout: 'mirror', fields: 'v5', concurrency: 1 });
    const list = join(dir, 'pools.txt');
    await writeFile(list, `${indicators.join('\n')}\n`);
    session = await openFlows(out, { ioc: list });
    instance = await DuckDBInstance.create(':memory:');
    con = await instance.connect();
    for (const sql of TRINO_EMULATION) await con.run(sql);
    // The table as Athena sees it: every Parquet file under the location, with its path.
    await con.run(
      `CREATE VIEW vpc_flow_logs_parquet AS SELECT * EXCLUDE (filename), filename AS "$path" FROM read_parquet('${out}/**/*.parquet', filename = true)`,
    );
    const options = {
      location: 's3://b/out',
      output: 'parquet',
      layout: 'mirror',
      format: resolveFormat('v5'),
    } as const;
    queries = new Map(namedQueries(options).map((q) => [q.name.replace('flowlake-', ''), q.sql]));
  });
  after(async () => {
    await session?.close();
    con?.closeSync();
    instance?.closeSync();
  });

  /** The named query with its placeholders filled in, as a user would, and a window wide enough for the data. */
  function filled(name: string): string {
    const sql = queries.get(name);
    assert.ok(sql, name);
    return sql
      .replace(/INTERVAL '\d+' DAY/g, "INTERVAL '36500' DAY")
      .replace("(VALUES ('203.0.113.0/24'))", `(VALUES ${indicators.map((i) => `('${i}')`).join(', ')})`)
      .replaceAll("'203.0.113.7'", `'${P.ssh.source}'`);
  }

  const stable = (rows: Row[]) =>
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          // Times print differently in the two result paths (and numbers may come as text): values, not spellings.
          .filter(([k]) => !/seen|^hour$|^day$|window_start|timestamp/.test(k))
          // Athena's `$path` is a hidden column (not in SELECT *); the emulating view has it as a plain one.
          .filter(([k]) => k !== '$path')
          .map(([k, v]) => [k, typeof v === 'bigint' || /^-?\d+(\.\d+)?$/.test(String(v)) ? Number(v) : v]),
      ),
    );

  for (const hunt of HUNTS) {
    it(`${hunt.name}`, async () => {
      const local = (await session.hunt(hunt.name, hunt.name === 'ip' ? { targets: [P.ssh.source] } : {}, 100)).rows;
      const athena = (
        await con.runAndReadAll(trinoToDuckdb(filled(hunt.name)).replace(/;\s*$/, ''))
      ).getRowObjectsJson();
      assert.ok(local.length > 0, `${hunt.name} finds something locally`);
      assert.deepEqual(stable(athena as Row[]), stable(local as Row[]));
    });
  }
});
