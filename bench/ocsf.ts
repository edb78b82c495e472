/**
 * OCSF benchmark (`npm run bench`): `convert --to ocsf` against `convert --to csv` on the ten-day stash
 * (`flowlake sample DIR --objects 14400 --events 200 --seed 5`: 14,400 Firehose objects, 2.88M records), side by
 * side, round after round. Prints the wall ratio (budget ≤ 2×), the OCSF objects written (budget ≤ 60: one per
 * region, account and day), the peak RSS of the OCSF run (budget ≤ 300 MiB) and the codec of its files.
 *
 *   node --import tsx bench/ocsf.ts        BENCH_ROUNDS=3
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { listFiles, totalSize } from './lib/files.js';
import { sideBySide } from './lib/measure.js';

const DATA = 'bench/data';
const STASH = join(DATA, 'ocsf-ten-day');
const OUT = join(DATA, 'ocsf-out');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI = ['node', 'bin/flowlake.js'];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

if (!existsSync(STASH)) {
  process.stderr.write('writing the ten-day stash (14,400 objects of 200 events)…\n');
  const r = spawnSync(
    process.execPath,
    ['bin/flowlake.js', 'sample', STASH, '--objects', '14400', '--events', '200', '--seed', '5'],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('flowlake sample failed');
  spawnSync('sync');
}

const inputs = listFiles(STASH);
process.stderr.write(`${inputs.length} objects, ${mib(totalSize(inputs))}: --to ocsf against --to csv\n`);
// Each round's output is moved aside and deleted after the last round (see bench/scale.ts on why).
const trash = join(OUT, 'trash');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(trash, { recursive: true });
let moved = 0;
const results = sideBySide(
  {
    csv: [...CLI, 'convert', STASH, join(OUT, 'csv'), '--to', 'csv', '--quiet'],
    ocsf: [...CLI, 'convert', STASH, join(OUT, 'ocsf'), '--to', 'ocsf', '--flow-region', 'us-east-1', '--quiet'],
  },
  ROUNDS,
  (name) => {
    if (existsSync(join(OUT, name))) renameSync(join(OUT, name), join(trash, String(moved++)));
  },
);
const files = listFiles(join(OUT, 'ocsf'), '.parquet');
const csvFiles = listFiles(join(OUT, 'csv'), '.csv.gz');
const first = readFileSync(files[0]);
const meta = parquetMetadata(first.buffer.slice(first.byteOffset, first.byteOffset + first.length) as ArrayBuffer);
const codec = meta.row_groups[0]?.columns[0]?.meta_data?.codec ?? 'unknown';
const ocsfBytes = totalSize(files);
const csvBytes = totalSize(csvFiles);
rmSync(OUT, { recursive: true, force: true });
const ratio = results.ocsf.wall / results.csv.wall;
process.stdout.write(
  `${JSON.stringify({ bench: 'ocsf', objects: inputs.length, ...results, ratio, ocsfObjects: files.length, codec, ocsfBytes, csvBytes })}\n` +
    `--to ocsf ${results.ocsf.wall.toFixed(2)} s (cpu ${results.ocsf.cpu.toFixed(2)} s, peak ${results.ocsf.peakMiB.toFixed(0)} MiB), ` +
    `--to csv ${results.csv.wall.toFixed(2)} s (cpu ${results.csv.cpu.toFixed(2)} s, peak ${results.csv.peakMiB.toFixed(0)} MiB): ` +
    `ratio ${ratio.toFixed(2)}× (budget 2×); ${files.length} OCSF objects (budget 60), ${codec}, ${mib(ocsfBytes)} ` +
    `against ${mib(csvBytes)} of CSV.gz (median of ${ROUNDS})\n`,
);
