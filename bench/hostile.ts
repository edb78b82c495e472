/**
 * Hostile-input benchmark (`npm run bench`): one ~400 KB gzip object holding a single 400 MB line with no
 * newline, converted through the CLI with `--concurrency 1` and measured with GNU time. The object must fail
 * fast (the line is longer than 1 MiB), in bounded memory, leaving no rejects behind.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { listFiles, totalSize } from './lib/files.js';
import { measure, median } from './lib/measure.js';

const DATA = 'bench/data/hostile';
const INPUT = join(DATA, 'in');
const OBJECT = join(INPUT, 'one-line.log.gz');
const OUT = join(DATA, 'out');
const REPORT = join(DATA, 'report.json');
const LINE_BYTES = 400 * 1000 * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MiB = 2 ** 20;

/** A flow-log-looking start, then digits up to 400 MB, never a newline. */
async function writeObject(): Promise<void> {
  mkdirSync(INPUT, { recursive: true });
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write('2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 49152 443 6 10 840 ');
  const block = Buffer.alloc(MiB, '9');
  let written = 0;
  while (written < LINE_BYTES) {
    const n = Math.min(block.length, LINE_BYTES - written);
    if (!gzip.write(n === block.length ? block : block.subarray(0, n))) {
      await new Promise((resolve) => gzip.once('drain', resolve));
    }
    written += n;
  }
  gzip.end();
  await done;
  writeFileSync(OBJECT, Buffer.concat(parts));
}

if (!existsSync(OBJECT)) {
  process.stderr.write('writing the 400 MB-line object…\n');
  await writeObject();
}
const gzipSize = readFileSync(OBJECT).length;
process.stderr.write(`object: ${(gzipSize / 1024).toFixed(0)} KiB gzip, one line of ${LINE_BYTES / 1e6} MB\n`);

const command = ['node', 'bin/flowlake.js', 'convert', INPUT, OUT, '--concurrency', '1', '--quiet', '--report', REPORT];
const runs = [];
let rejectsBytes = 0;
let outputs = 0;
let error = '';
for (let round = 0; round < ROUNDS; round++) {
  rmSync(OUT, { recursive: true, force: true });
  const m = measure(command, 1); // exit 1: the object failed, as it must
  runs.push(m);
  const rejectsDir = join(OUT, '_flowlake', 'rejects');
  rejectsBytes = Math.max(rejectsBytes, existsSync(rejectsDir) ? totalSize(listFiles(rejectsDir)) : 0);
  outputs = Math.max(outputs, existsSync(OUT) ? listFiles(OUT).length : 0);
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as { failures: { key: string; error: string }[] };
  error = report.failures[0]?.error ?? '(not failed)';
  process.stderr.write(`  round ${round + 1}: ${m.wall.toFixed(2)} s wall, ${m.peakMiB.toFixed(0)} MiB peak\n`);
}

const wall = median(runs.map((r) => r.wall));
const peak = Math.max(...runs.map((r) => r.peakMiB));
console.log(`| run | wall (median of ${ROUNDS}) | peak RSS (max) | rejects | outputs |`);
console.log('|---|---|---|---|---|');
console.log(
  `| \`flowlake convert --concurrency 1\` of one ${(gzipSize / 1024).toFixed(0)} KiB gzip object holding one ${LINE_BYTES / 1e6} MB line | ${wall.toFixed(2)} s | ${peak.toFixed(0)} MiB | ${rejectsBytes} bytes | ${outputs} files |`,
);
console.log(`\nThe object failed: ${error}`);
const ok = wall <= 5 && peak <= 300 && rejectsBytes <= MiB && error !== '(not failed)';
console.log(
  ok ? 'within budget (≤ 5 s, ≤ 300 MiB, rejects ≤ 1 MiB)' : 'OVER BUDGET (≤ 5 s, ≤ 300 MiB, rejects ≤ 1 MiB)',
);
process.exitCode = ok ? 0 : 1;
