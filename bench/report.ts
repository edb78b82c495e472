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
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prepareHuntSet } from './lib/hunt-set.js';
import { sideBySide } from './lib/measure.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const CLI = ['node', 'bin/flowlake.js'];
const { parquet: PARQUET } = await prepareHuntSet(CLI);
const SCRATCH = join('bench/data', 'report-scratch');
const PAGE = join(SCRATCH, 'report.html');
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
