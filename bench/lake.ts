/**
 * Lake benchmark (DESIGN §10), on ten days of one small stream as a real stash holds it: 14,400 Firehose objects
 * of 200 events (`flowlake sample --objects 14400 --events 200 --seed 5`, 2.88M events), side by side, round after
 * round:
 * - `convert --to csv` against `convert --to parquet --layout hive` then `flowlake compact`, and against
 *   `convert --to parquet` (mirror layout);
 * - the lake's data files and bytes before and after compaction, against one file of the same rows sorted by
 *   `start` written by DuckDB (bench/lib/duckdb-sort.mjs);
 * - `hunt talkers` over the compacted lake against the same hunt over that one file: wall, peak, same answer;
 *   and over the raw stash: the first time (its cache converted and compacted) and the second;
 * - `compact` of the lake as one-object-at-a-time writes leave it (27k small files, the shape a per-object
 *   writer or small Lambda batches make): wall and peak.
 *
 *   node --import tsx bench/lake.ts [--rounds 2]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from '../src/convert/run.js';
import { listFiles, totalSize } from './lib/files.js';
import { measure, sideBySide } from './lib/measure.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 2;
const CLI = ['node', 'bin/flowlake.js'];
const DATA = 'bench/data';
const STASH = join(DATA, 'stash-10d');
const SMALL_FILES = join(DATA, 'lake-10d-small-files');
const SCRATCH = join(DATA, 'lake-scratch');
const out = {
  csv: join(SCRATCH, 'csv'),
  hive: join(SCRATCH, 'hive'),
  mirror: join(SCRATCH, 'mirror'),
  sorted: join(SCRATCH, 'duckdb-sorted'),
  small: join(SCRATCH, 'small-files'),
  cache: join(SCRATCH, 'cache'),
};

if (!existsSync(STASH)) {
  process.stderr.write('writing the ten-day stash (once)…\n');
  run([...CLI, 'sample', STASH, '--objects', '14400', '--events', '200', '--seed', '5']);
}
if (!existsSync(SMALL_FILES)) {
  // One object per checkpoint, one at a time: a file per object and hour, as before coalesced writes.
  process.stderr.write('writing the ten-day lake one object at a time (once)…\n');
  const report = await convert(STASH, `${SMALL_FILES}.partial`, {
    to: ['parquet'],
    layout: 'hive',
    concurrency: 1,
    inFlight: 1,
    checkpointRows: 1,
  });
  if (report.objects.failed > 0) throw new Error(`${report.objects.failed} objects failed`);
  cpSync(`${SMALL_FILES}.partial`, SMALL_FILES, { recursive: true });
  rmSync(`${SMALL_FILES}.partial`, { recursive: true, force: true });
}
rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(SCRATCH, { recursive: true });

const fmt = (s: number) => `${s.toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const lakeFiles = (dir: string) => listFiles(dir, '.parquet');

// 1. Conversions and compaction, round after round. Each conversion starts from nothing; compact follows the
// hive conversion of the same round.
let before = { files: 0, bytes: 0 };
const convert3 = sideBySide(
  {
    csv: [...CLI, 'convert', STASH, out.csv, '--to', 'csv', '--quiet'],
    hive: [...CLI, 'convert', STASH, out.hive, '--to', 'parquet', '--layout', 'hive', '--quiet'],
    compact: [...CLI, 'compact', out.hive, '--quiet'],
    mirror: [...CLI, 'convert', STASH, out.mirror, '--to', 'parquet', '--quiet'],
    coldHunt: [...CLI, 'hunt', 'talkers', STASH, '--cache', out.cache, '--quiet', '--format', 'csv', '--limit', '50'],
  },
  rounds,
  (name) => {
    if (name === 'compact') {
      const files = lakeFiles(out.hive);
      before = { files: files.length, bytes: totalSize(files) };
    } else
      rmSync(out[name === 'coldHunt' ? 'cache' : (name as 'csv' | 'hive' | 'mirror')], {
        recursive: true,
        force: true,
      });
  },
);
const after = lakeFiles(out.hive);
const afterBytes = totalSize(after);

process.stdout.write(`\n### ten-day stash (14,400 objects, 2.88M events), median of ${rounds}\n\n`);
process.stdout.write('| run | wall | peak RSS |\n|---|---|---|\n');
for (const [name, label] of [
  ['csv', '`convert --to csv`'],
  ['hive', '`convert --to parquet --layout hive`'],
  ['compact', '`compact` of that lake'],
  ['mirror', '`convert --to parquet` (mirror)'],
  ['coldHunt', '`hunt talkers` over the stash, empty cache'],
] as const) {
  const m = convert3[name];
  process.stdout.write(`| ${label} | ${fmt(m.wall)} | ${m.peakMiB.toFixed(0)} MiB |\n`);
}
const lakeWall = convert3.hive.wall + convert3.compact.wall;
process.stdout.write(
  `\nhive convert + compact / csv: **${ratio(lakeWall, convert3.csv.wall)}** (limit 1.5×); mirror / csv: **${ratio(convert3.mirror.wall, convert3.csv.wall)}** (limit 1.5×); first hunt over the stash − (hive convert + compact): **${(convert3.coldHunt.wall - lakeWall).toFixed(2)} s** (limit 1 s)\n`,
);

// 2. The lake against one sorted file of the same rows.
mkdirSync(out.sorted, { recursive: true });
run(['node', 'bench/lib/duckdb-sort.mjs', out.hive, join(out.sorted, 'flows.parquet')]);
const sortedBytes = totalSize(lakeFiles(out.sorted));
process.stdout.write('\n### the lake\n\n| | data files | bytes |\n|---|---|---|\n');
process.stdout.write(`| after \`convert --layout hive\` | ${before.files} | ${mib(before.bytes)} |\n`);
process.stdout.write(`| after \`compact\` | ${after.length} | ${mib(afterBytes)} |\n`);
process.stdout.write(`| one file sorted by \`start\` (DuckDB) | 1 | ${mib(sortedBytes)} |\n`);
process.stdout.write(
  `\ncompacted files: **${after.length}** (limit 50); bytes / one sorted file: **${ratio(afterBytes, sortedBytes)}** (limit 1.1×)\n`,
);

// 3. A hunt over the lake against the same hunt over the one sorted file.
const huntArgs = ['--quiet', '--format', 'csv', '--limit', '50'];
const hunts = sideBySide(
  {
    lake: [...CLI, 'hunt', 'talkers', out.hive, ...huntArgs],
    sorted: [...CLI, 'hunt', 'talkers', out.sorted, ...huntArgs],
    stash: [...CLI, 'hunt', 'talkers', STASH, '--cache', out.cache, ...huntArgs],
  },
  Math.max(3, rounds),
);
const same =
  answer([...CLI, 'hunt', 'talkers', out.hive, ...huntArgs]) ===
  answer([...CLI, 'hunt', 'talkers', out.sorted, ...huntArgs]);
process.stdout.write('\n### `hunt talkers`\n\n| over | wall | peak RSS |\n|---|---|---|\n');
process.stdout.write(`| the compacted lake | ${fmt(hunts.lake.wall)} | ${hunts.lake.peakMiB.toFixed(0)} MiB |\n`);
process.stdout.write(
  `| one DuckDB file sorted by \`start\` | ${fmt(hunts.sorted.wall)} | ${hunts.sorted.peakMiB.toFixed(0)} MiB |\n`,
);
process.stdout.write(
  `\nlake / one file: **${ratio(hunts.lake.wall, hunts.sorted.wall)}** (limit 1.3×), peak ${hunts.lake.peakMiB.toFixed(0)} MiB (limit 1024), same answer: **${same ? 'yes' : 'NO'}**; second hunt over the stash / over the lake: **${ratio(hunts.stash.wall, hunts.lake.wall)}**\n`,
);

// 4. Compacting a lake of many small files.
cpSync(SMALL_FILES, out.small, { recursive: true });
const smallFiles = lakeFiles(out.small);
const smallBytes = totalSize(smallFiles);
const small = measure([...CLI, 'compact', out.small, '--quiet']);
const smallAfter = lakeFiles(out.small);
process.stdout.write(
  `\n### \`compact\` of ${smallFiles.length} small files (${mib(smallBytes)}) into ${smallAfter.length} (${mib(totalSize(smallAfter))})\n\n`,
);
process.stdout.write(`${fmt(small.wall)}, peak **${small.peakMiB.toFixed(0)} MiB** (limit 512 MiB)\n`);

rmSync(SCRATCH, { recursive: true, force: true });
if (!same) process.exitCode = 1;

function run(command: readonly string[]): void {
  const r = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed (${r.status})`);
}

function answer(command: readonly string[]): string {
  const r = spawnSync(command[0], command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
