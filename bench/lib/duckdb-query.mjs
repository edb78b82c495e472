// DuckDB alone answering the top-talkers question over a folder of Parquet files: the baseline of bench/hunt.ts.
import { DuckDBInstance } from '@duckdb/node-api';

const dir = process.argv[2];
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const reader = await connection.runAndReadAll(`
  SELECT srcaddr, dstaddr, sum(bytes) AS bytes, sum(packets) AS packets, count(*) AS flows,
    min("start") AS first_start, max("start") AS last_start
  FROM read_parquet('${dir}/**/*.parquet')
  GROUP BY srcaddr, dstaddr
  ORDER BY bytes DESC, packets DESC, flows DESC, srcaddr, dstaddr
  LIMIT 50`);
process.stdout.write(`${reader.getRowsJson().length} rows\n`);
