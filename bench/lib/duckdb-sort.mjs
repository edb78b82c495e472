// DuckDB writing every row of a Parquet folder as one file sorted by `start`: the hand-built baseline that
// bench/lake.ts holds flowlake's compacted lake against (size, and hunts over it).
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, out] = process.argv.slice(2);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
await connection.run(
  `COPY (SELECT * FROM read_parquet(${quote(`${dir}/**/*.parquet`)}, union_by_name = true, hive_partitioning = false) ORDER BY "start")
   TO ${quote(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
);
connection.closeSync();
