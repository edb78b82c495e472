/**
 * S3 benchmark: the same folder of inputs converted local→local and S3→S3 (an S3-compatible server on
 * loopback), wall time side by side, round after round, and their ratio.
 *
 *   node --import tsx bench/s3.ts [folder]        (default: bench/data/in, the CSV bench set)
 *   BENCH_ROUNDS=3 BENCH_CONCURRENCY=2
 *
 * The server (in memory) runs in this process and shares the machine with the converter's worker threads,
 * so the ratio includes the server's own CPU: on real S3 that work happens elsewhere.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { convert } from '../src/convert/run.js';
import type { RunReport } from '../src/convert/types.js';
import { inBatches } from '../test/support/bytes.js';
import { startS3Server } from '../test/support/s3-server.js';
import { listFiles, totalSize } from './lib/files.js';
import { median } from './lib/measure.js';

const folder = process.argv[2] ?? 'bench/data/in';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? availableParallelism());

if (!existsSync(folder)) {
  process.stderr.write(`${folder}: no such folder (write the bench set first, e.g. npm run bench, or pass a folder)\n`);
  process.exit(2);
}

const inputs = listFiles(folder);
process.stderr.write(
  `inputs: ${inputs.length} objects, ${(totalSize(inputs) / 2 ** 20).toFixed(1)} MiB, concurrency ${CONCURRENCY}\n`,
);

const server = await startS3Server();
await server.createBucket('bench-src');
await server.createBucket('bench-dst');
await inBatches(inputs, 8, async (file) => {
  const key = relative(folder, file).split('\\').join('/');
  await server.putObject('bench-src', `in/${key}`, readFileSync(file));
});

async function timed(run: () => Promise<RunReport>): Promise<{ seconds: number; report: RunReport }> {
  const started = process.hrtime.bigint();
  const report = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (report.objects.failed > 0)
    throw new Error(`${report.objects.failed} objects failed: ${report.failures[0]?.error}`);
  return { seconds, report };
}

const localTimes: number[] = [];
const s3Times: number[] = [];
let rows = { local: 0, s3: 0 };
const outDir = mkdtempSync(join(tmpdir(), 'flowlake-bench-s3-'));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const local = await timed(() => convert(folder, outDir, { concurrency: CONCURRENCY, force: true }));
    const s3 = await timed(() =>
      convert('s3://bench-src/in', 's3://bench-dst/out', {
        endpointUrl: server.endpoint,
        concurrency: CONCURRENCY,
        force: true,
      }),
    );
    localTimes.push(local.seconds);
    s3Times.push(s3.seconds);
    rows = { local: local.report.rows, s3: s3.report.rows };
    process.stderr.write(`round ${round}: local ${local.seconds.toFixed(2)} s, s3 ${s3.seconds.toFixed(2)} s\n`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
  await server.stop();
}

if (rows.local !== rows.s3) throw new Error(`rows differ: local ${rows.local}, s3 ${rows.s3}`);
const local = median(localTimes);
const s3 = median(s3Times);
process.stdout.write(
  `${JSON.stringify({ inputs: inputs.length, rows: rows.local, rounds: ROUNDS, localSeconds: local, s3Seconds: s3, ratio: s3 / local })}\n`,
);
process.stdout.write(
  `local→local ${local.toFixed(2)} s, S3→S3 ${s3.toFixed(2)} s (loopback), ratio ${(s3 / local).toFixed(2)} (median of ${ROUNDS})\n`,
);
