/**
 * Report benchmark (issue figures for `flowlake report`), on the 4M-event bench set shared with bench/hunt.ts
 * (16 Firehose objects of 250k events, seeded, converted to Parquet in the hive layout under bench/data/), side
 * by side, round after round:
 * - `flowlake report` over the set, whole process: every query, every chart, the page written;
 * - the hunts that page contains, run alone in one process over one session (bench/lib/report-hunts.mjs: the
 *   same `session.hunt` calls the report makes, nothing else).
 * Prints the medians, their ratio (limit 1.5×) and the page size (limit 2 MB).
 *
 *   node --import tsx bench/report.ts [--rounds 3]
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeSampleStash } from '../src/sample/stash.js';
import { measure, sideBySide } from './lib/measure.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const DATA = 'bench/data';
const STASH = join(DATA, 'stash-4m');
const PARQUET = join(DATA, 'parquet-4m-hive');
const SCRATCH = join(DATA, 'report-scratch');
const PAGE = join(SCRATCH, 'report.html');
const CLI = ['node', 'bin/flowlake.js'];

if (!existsSync(STASH)) {
  process.stderr.write('writing the 4M-event bench stash (once)…\n');
  await writeSampleStash(STASH, { objects: 16, events: 250_000, seed: 1 });
}
if (!existsSync(PARQUET)) {
  measure([...CLI, 'convert', STASH, PARQUET, '--to', 'parquet', '--layout', 'hive', '--quiet']);
}
mkdirSync(SCRATCH, { recursive: true });

const runs = sideBySide(
  {
    report: [...CLI, 'report', PARQUET, '--html', PAGE, '--quiet'],
    hunts: ['node', 'bench/lib/report-hunts.mjs', PARQUET],
  },
  rounds,
);
const size = statSync(PAGE).size;
const fmt = (s: number) => `${s.toFixed(2)} s`;
process.stdout.write(`\n### flowlake report over ${PARQUET} (4M events, Parquet, hive), median of ${rounds}\n\n`);
process.stdout.write('| run | wall | cpu | peak RSS |\n|---|---|---|---|\n');
for (const [name, label] of [
  ['report', '`flowlake report --html` (whole process)'],
  ['hunts', 'the same hunts alone, one process, one session'],
] as const) {
  const m = runs[name];
  process.stdout.write(`| ${label} | ${fmt(m.wall)} | ${fmt(m.cpu)} | ${m.peakMiB.toFixed(0)} MiB |\n`);
}
process.stdout.write(
  `\nreport / hunts: **${(runs.report.wall / runs.hunts.wall).toFixed(2)}×** wall, ${(runs.report.cpu / runs.hunts.cpu).toFixed(2)}× cpu (limit 1.5×)\n`,
);
process.stdout.write(`page: **${(size / 1e6).toFixed(2)} MB** (${size.toLocaleString('en-US')} bytes; limit 2 MB)\n`);
