/**
 * Hunt benchmark (issue figures for `flowlake hunt`), on the 4M-event bench set (16 Firehose objects of 250k
 * events, seeded), side by side, round after round:
 * - `flowlake hunt talkers` over the set converted to Parquet (hive layout), whole process, against DuckDB
 *   answering the same top-talkers question in its own process (bench/lib/duckdb-query.mjs);
 * - a hunt over the raw stash (empty cache) against `flowlake convert --to parquet` of the same stash;
 * - a second hunt over the stash (cache complete) against the same hunt over its Parquet;
 * - the peak RSS of every hunt over the Parquet set.
 *
 *   node --import tsx bench/hunt.ts [--rounds 3]
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareHuntSet } from './lib/hunt-set.js';
import { measure, sideBySide } from './lib/measure.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const CLI = ['node', 'bin/flowlake.js'];
const { stash: STASH, parquet: PARQUET } = await prepareHuntSet(CLI);
const SCRATCH = join('bench/data', 'hunt-scratch');
mkdirSync(SCRATCH, { recursive: true });

const fmt = (s: number) => `${s.toFixed(2)} s`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

// 1. talkers against DuckDB alone.
const talkers = sideBySide(
  {
    flowlake: [...CLI, 'hunt', 'talkers', PARQUET, '--quiet', '--format', 'csv'],
    duckdb: ['node', 'bench/lib/duckdb-query.mjs', PARQUET],
  },
  rounds,
);
process.stdout.write(`\n### hunt talkers over ${PARQUET} (4M events, Parquet, hive), median of ${rounds}\n\n`);
process.stdout.write('| run | wall | peak RSS |\n|---|---|---|\n');
process.stdout.write(
  `| \`flowlake hunt talkers\` (whole process) | ${fmt(talkers.flowlake.wall)} | ${talkers.flowlake.peakMiB.toFixed(0)} MiB |\n`,
);
process.stdout.write(
  `| DuckDB, same question, own process | ${fmt(talkers.duckdb.wall)} | ${talkers.duckdb.peakMiB.toFixed(0)} MiB |\n`,
);
process.stdout.write(`\nflowlake / DuckDB: **${ratio(talkers.flowlake.wall, talkers.duckdb.wall)}** (limit 1.5×)\n`);

// 2. and 3. a hunt over the raw stash, cold then warm.
const cold = join(SCRATCH, 'cache-cold');
const warm = join(SCRATCH, 'cache-warm');
const converted = join(SCRATCH, 'converted');
const stash = sideBySide(
  {
    convert: [...CLI, 'convert', STASH, converted, '--to', 'parquet', '--quiet'],
    coldHunt: [...CLI, 'hunt', 'mining', STASH, '--cache', cold, '--quiet', '--format', 'csv'],
    warmHunt: [...CLI, 'hunt', 'mining', STASH, '--cache', warm, '--quiet', '--format', 'csv'],
    parquetHunt: [...CLI, 'hunt', 'mining', PARQUET, '--quiet', '--format', 'csv'],
  },
  rounds,
  (name) => {
    // Each cold run and each conversion starts from nothing; the warm cache is filled once before round one.
    if (name === 'convert') rmSync(converted, { recursive: true, force: true });
    if (name === 'coldHunt') rmSync(cold, { recursive: true, force: true });
    if (name === 'warmHunt' && !existsSync(warm))
      measure([...CLI, 'hunt', 'mining', STASH, '--cache', warm, '--quiet']);
  },
);
process.stdout.write(`\n### hunt mining over the raw stash (${STASH}), median of ${rounds}\n\n`);
process.stdout.write('| run | wall | peak RSS |\n|---|---|---|\n');
for (const [name, label] of [
  ['convert', '`flowlake convert --to parquet` of the stash'],
  ['coldHunt', 'hunt over the stash, empty cache'],
  ['warmHunt', 'hunt over the stash, cache complete'],
  ['parquetHunt', 'the same hunt over its Parquet'],
] as const) {
  process.stdout.write(`| ${label} | ${fmt(stash[name].wall)} | ${stash[name].peakMiB.toFixed(0)} MiB |\n`);
}
process.stdout.write(
  `\ncold hunt − convert: **${(stash.coldHunt.wall - stash.convert.wall).toFixed(2)} s** (limit 1 s); warm hunt / Parquet hunt: **${ratio(stash.warmHunt.wall, stash.parquetHunt.wall)}** (limit 1.5×)\n`,
);

// 4. peak memory of every hunt.
process.stdout.write('\n### peak RSS of each hunt over the Parquet set\n\n| hunt | wall | peak RSS |\n|---|---|---|\n');
const pools = join(SCRATCH, 'pools.txt');
// An address list the size of a threat feed's IP section: 500 addresses and a few /24 networks.
const feed = Array.from(
  { length: 500 },
  (_, i) => `${[45, 185, 193, 91][i % 4]}.${(i * 7) % 256}.${(i * 13) % 256}.${((i * 29) % 254) + 1}`,
);
writeFileSync(pools, `${[...feed, '45.76.33.0/24', '198.51.100.0/24', '203.0.113.0/24'].join('\n')}\n`);
let peak = 0;
for (const args of [
  ['mining', '--ioc', pools],
  ['exposed'],
  ['scan'],
  ['egress'],
  ['rejected'],
  ['talkers', '--by', 'ip'],
  ['new'],
  ['coverage'],
  ['ioc', '--list', pools],
  ['ip', '10.0.0.0/16'],
]) {
  const [name, ...rest] = args;
  const m = measure([...CLI, 'hunt', name, PARQUET, ...rest, '--quiet', '--format', 'csv', '--limit', '50']);
  peak = Math.max(peak, m.peakMiB);
  process.stdout.write(`| ${args.join(' ')} | ${fmt(m.wall)} | ${m.peakMiB.toFixed(0)} MiB |\n`);
}
process.stdout.write(`\nhighest peak: **${peak.toFixed(0)} MiB** (limit 1024 MiB)\n`);
