import { after, before } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** An in-memory DuckDB for a test file (an independent Parquet reader): opened before its tests, closed after. */
export function duckdbForTests(): { readonly connection: () => DuckDBConnection } {
  let db: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  before(async () => {
    db = await DuckDBInstance.create(':memory:');
    connection = await db.connect();
  });
  after(() => {
    connection?.closeSync();
    db?.closeSync();
  });
  return {
    connection: () => {
      if (!connection) throw new Error('DuckDB is open only while the tests run');
      return connection;
    },
  };
}
