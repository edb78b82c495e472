import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ocsfNamedQueries } from '../../src/athena/queries.js';
import { athenaDdlText } from '../../src/cli/athena-command.js';
import { convert } from '../../src/convert/run.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { type FlowsSession, openFlows } from '../../src/query/index.js';
import { PLANTED, writeIncidentStash } from '../../src/sample/incidents.js';
import { validateOcsfFiles } from '../support/ocsf-validator.js';
import { tempDir } from '../support/temp-dir.js';
import { TRINO_EMULATION, trinoToDuckdb } from './trino-emulation.js';
import { parseTrino } from './trino-sql.js';

type Row = Record<string, unknown>;

/**
 * `athena-ddl --table-kind ocsf`: the named queries over an OCSF table answer as `flowlake hunt` over the
 * Parquet outputs of the same stash. The OCSF table is the `--to ocsf` files, read in DuckDB with the Trino
 * functions emulated (trino-emulation.ts), as hunts-emulated.test.ts does for flowlake's own tables.
 */
describe('Athena named queries over an OCSF (Security Lake) table', () => {
  const dir = tempDir();
  const P = PLANTED;
  const indicators = [`${P.miner.pool}/32`, `${P.miner.pool443}/32`];
  let session: FlowsSession;
  let instance: DuckDBInstance;
  let con: DuckDBConnection;
  let queries: Map<string, string>;

  before(async () => {
    await writeIncidentStash(join(dir, 'stash'), { format: 'v5', seed: 4 });
    const options = { fields: 'v5', concurrency: 1 } as const;
    await convert(join(dir, 'stash'), join(dir, 'parquet'), { to: ['parquet'], layout: 'mirror', ...options });
    await convert(join(dir, 'stash'), join(dir, 'ocsf'), { to: ['ocsf'], flowRegion: 'us-east-1', ...options });
    const list = join(dir, 'pools.txt');
    await writeFile(list, `${indicators.join('\n')}\n`);
    session = await openFlows(join(dir, 'parquet'), { ioc: list });
    instance = await DuckDBInstance.create(':memory:');
    con = await instance.connect();
    for (const sql of TRINO_EMULATION) await con.run(sql);
    await con.run(
      `CREATE VIEW sl_vpc AS SELECT * FROM read_parquet('${join(dir, 'ocsf')}/region=*/**/*.parquet', hive_partitioning = false)`,
    );
    queries = new Map(ocsfNamedQueries('sl_vpc').map((q) => [q.name.replace('flowlake-', ''), q.sql]));
  });
  after(async () => {
    await session?.close();
    con?.closeSync();
    instance?.closeSync();
  });

  it('reads OCSF files whose every record is valid', async () => {
    const { records, errors } = await validateOcsfFiles(join(dir, 'ocsf'));
    assert.ok(records > 1000, `${records} records`);
    assert.deepEqual(errors, []);
  });

  it('prints a view and every hunt, all valid Trino', () => {
    const text = athenaDdlText({ tableKind: 'ocsf', table: 'vpc_flow_2_0', database: 'sl_db', queries: true } as never);
    assert.match(text, /CREATE OR REPLACE VIEW "sl_db"\."vpc_flow_2_0_flows" AS/);
    const statements = text.split(/;\n/).filter((s) => /\b(SELECT|VIEW)\b/.test(s));
    assert.equal(statements.length, 1 + HUNTS.length);
    for (const statement of statements) assert.doesNotThrow(() => parseTrino(statement.replace(/^(--.*\n)+/, '')));
    assert.deepEqual(
      [...queries.keys()],
      HUNTS.map((h) => h.name),
    );
  });

  function filled(name: string): string {
    const sql = queries.get(name);
    assert.ok(sql, name);
    return sql
      .replace(/INTERVAL '\d+' DAY/g, "INTERVAL '36500' DAY")
      .replace("(VALUES ('203.0.113.0/24'))", `(VALUES ${indicators.map((i) => `('${i}')`).join(', ')})`)
      .replaceAll("'203.0.113.7'", `'${P.ssh.source}'`);
  }

  const stable = (rows: Row[]) =>
    rows
      .map((r) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(r)
              .filter(([k]) => !/seen|^hour$|^day$|window_start|timestamp/.test(k))
              .map(([k, v]) => [k, typeof v === 'bigint' || /^-?\d+(\.\d+)?$/.test(String(v)) ? Number(v) : v]),
          ),
        ),
      )
      .sort();

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
