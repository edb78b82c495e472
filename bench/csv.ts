/**
 * CSV benchmark (`npm run bench`): 1M events in 4 Firehose objects, timed side by side in one run:
 *   (a) flowlake convert (all cores),
 *   (b) the naive baseline (bench/naive-baseline.ts: regex Transform, one small string per row),
 *   (c) the floor: gunzip of the inputs plus `gzip -6` of the produced CSV, in one thread.
 * Then checks rows and sizes, and measures one 2M-event object with --concurrency 1 for peak memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeSampleStash } from '../src/sample/stash.js';
import { listFiles, totalSize } from './lib/files.js';
import { measure, sideBySide } from './lib/measure.js';

const DATA = 'bench/data';
const INPUT = join(DATA, 'in');
const OUT_FLOWLAKE = join(DATA, 'out-flowlake');
const OUT_NAIVE = join(DATA, 'out-naive');
const FLOOR_CSV = join(DATA, 'floor.csv');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI = ['node', 'bin/flowlake.js'];

async function ensureBenchSet(): Promise<void> {
  if (existsSync(INPUT)) return;
  process.stderr.write('writing the bench set (1M events in 4 objects)…\n');
  await writeSampleStash(INPUT, { objects: 4, events: 250_000, seed: 42 });
}

function csvRows(dir: string, dropControl: boolean): string[] {
  const rows: string[] = [];
  for (const file of listFiles(dir, '.csv.gz')) {
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(1, -1);
    for (const line of lines) if (!(dropControl && line.includes('CWL,CONTROL,MESSAGE'))) rows.push(line);
  }
  return rows;
}

await ensureBenchSet();
const inputs = listFiles(INPUT);
process.stderr.write(`bench set: ${inputs.length} objects, ${(totalSize(inputs) / 2 ** 20).toFixed(1)} MiB gzip\n`);

// The floor compresses the very CSV flowlake produces: make it once, untimed.
rmSync(OUT_FLOWLAKE, { recursive: true, force: true });
execFileSync(CLI[0], [...CLI.slice(1), 'convert', INPUT, OUT_FLOWLAKE, '--quiet']);
writeFileSync(FLOOR_CSV, Buffer.concat(listFiles(OUT_FLOWLAKE, '.csv.gz').map((f) => gunzipSync(readFileSync(f)))));
const floorScript = `for f in ${inputs.map((f) => `'${f}'`).join(' ')}; do gzip -dc "$f" > /dev/null; done; gzip -6 -c '${FLOOR_CSV}' > /dev/null`;

const results = sideBySide(
  {
    flowlake: [...CLI, 'convert', INPUT, OUT_FLOWLAKE, '--force', '--quiet'],
    naive: ['node', '--import', 'tsx', 'bench/naive-baseline.ts', INPUT, OUT_NAIVE],
    floor: ['sh', '-c', floorScript],
  },
  ROUNDS,
  (name) => {
    if (name === 'naive') rmSync(OUT_NAIVE, { recursive: true, force: true });
  },
);

const ours = csvRows(OUT_FLOWLAKE, false);
const theirs = csvRows(OUT_NAIVE, true);
const sameRows = ours.length === theirs.length && ours.every((row, i) => row === theirs[i]);
const oursSize = totalSize(listFiles(OUT_FLOWLAKE, '.csv.gz'));
const naiveSize = totalSize(listFiles(OUT_NAIVE, '.csv.gz'));

// Peak memory: one 2M-event object, one worker.
const bigDir = join(DATA, 'big');
if (!existsSync(bigDir)) {
  process.stderr.write('writing one 2M-event object…\n');
  await writeSampleStash(bigDir, { objects: 1, events: 2_000_000, seed: 7 });
}
mkdirSync(join(DATA, 'big-out'), { recursive: true });
const big = measure([...CLI, 'convert', bigDir, join(DATA, 'big-out'), '--force', '--quiet', '--concurrency', '1']);

const f = results.flowlake;
const n = results.naive;
const c = results.floor;
const table = [
  '| run (1M events, 4 objects) | median wall | median cpu | peak RSS |',
  '|---|---|---|---|',
  `| (a) flowlake convert | ${f.wall.toFixed(2)} s | ${f.cpu.toFixed(2)} s | ${f.peakMiB.toFixed(0)} MiB |`,
  `| (b) naive baseline | ${n.wall.toFixed(2)} s | ${n.cpu.toFixed(2)} s | ${n.peakMiB.toFixed(0)} MiB |`,
  `| (c) floor: gunzip + gzip -6, one thread | ${c.wall.toFixed(2)} s | ${c.cpu.toFixed(2)} s | ${c.peakMiB.toFixed(0)} MiB |`,
  '',
  `speed-up over the naive baseline (b/a): ${(n.wall / f.wall).toFixed(1)}× wall, ${(n.cpu / f.cpu).toFixed(1)}× cpu`,
  `flowlake vs the floor (a/c): ${(f.wall / c.wall).toFixed(2)}× wall`,
  `rows: ${ours.length.toLocaleString('en-US')} flowlake, ${theirs.length.toLocaleString('en-US')} naive without CONTROL rows: ${sameRows ? 'identical' : 'DIFFERENT'}`,
  `output size: ${(oursSize / 2 ** 20).toFixed(1)} MiB flowlake vs ${(naiveSize / 2 ** 20).toFixed(1)} MiB naive (${(oursSize / naiveSize).toFixed(3)}×)`,
  `one 2M-event object, --concurrency 1: ${big.wall.toFixed(2)} s wall, peak RSS ${big.peakMiB.toFixed(0)} MiB`,
];
process.stdout.write(`${table.join('\n')}\n`);
if (!sameRows) process.exitCode = 1;
