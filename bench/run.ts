/**
 * `npm run bench`: every benchmark in turn, each printing its side-by-side figures and ratios.
 *   bench/csv.ts      flowlake vs the naive baseline vs the gunzip + gzip -6 floor; 2M-event peak memory
 *   bench/parquet.ts  flowlake Parquet vs DuckDB converting the same objects
 *   bench/s3.ts       S3→S3 on a loopback S3 server vs local→local
 *   bench/lake.ts     ten days as 14,400 objects: hive convert + compact vs csv, the lake vs one sorted file
 *   bench/hunt.ts     hunts on the 4M-event set vs DuckDB alone, over a raw stash vs convert, peak memory
 *   bench/hostile.ts  one gzip object holding a 400 MB line: fails fast in bounded memory
 *   bench/scale.ts    20,000 small objects vs one; simulated 20k/200k-object runs; S3 with 40 ms round trips
 *   bench/report.ts   the report page over the same set vs the hunts it contains; its size
 *   bench/ocsf.ts     --to ocsf vs --to csv on the ten-day stash: ratio, objects, peak memory, codec
 * Run one alone with `node --import tsx bench/<name>.ts`.
 */
import { spawnSync } from 'node:child_process';

const benches = [
  ['bench/csv.ts'],
  ['bench/parquet.ts'],
  ['bench/s3.ts', 'bench/data/in'],
  ['bench/lake.ts'],
  ['bench/hunt.ts'],
  ['bench/hostile.ts'],
  ['bench/scale.ts'],
  ['bench/report.ts'],
  ['bench/ocsf.ts'],
];
let failed = 0;
for (const [script, ...args] of benches) {
  process.stdout.write(`\n## ${script}\n\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
