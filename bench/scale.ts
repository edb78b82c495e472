/**
 * Scale benchmark (`npm run bench`): many small objects, side by side in one run.
 *   (1) 20,000 small Firehose objects (80 events each) local→local against the same bytes as one object:
 *       wall ratio (budget ≤ 3×) and peak RSS of the many-object run (budget ≤ 250 MiB);
 *   (2) a simulated run from memory into a discarding destination, 20,000 then 200,000 objects: per-object
 *       time at both sizes (flat) and the peak RSS of the big one (budget ≤ 400 MiB);
 *   (3) 400 small objects S3→S3 through a loopback S3 server, every request delayed 40 ms by a proxy, against
 *       the same through the proxy with no delay (budget ≤ 1.5×).
 *
 *   node --import tsx bench/scale.ts [small|simulated|latency]…      (default: all three)
 *   BENCH_ROUNDS=3
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { convert } from '../src/convert/run.js';
import { writeSampleStash } from '../src/sample/stash.js';
import { inBatches } from '../test/support/bytes.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startS3Server } from '../test/support/s3-server.js';
import { listFiles, totalSize } from './lib/files.js';
import { measure, median, sideBySide } from './lib/measure.js';

const DATA = 'bench/data';
const SMALL = join(DATA, 'scale-small');
const JOINED = join(DATA, 'scale-joined');
const OUT = join(DATA, 'scale-out');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLI = ['node', 'bin/flowlake.js'];
const parts = process.argv.slice(2);
const wanted = (name: string) => parts.length === 0 || parts.includes(name);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** 20,000 objects of 80 events, and the same bytes as one object (gzip members concatenate). */
async function ensureSmallSet(): Promise<void> {
  if (!existsSync(SMALL)) {
    process.stderr.write('writing the scale set (20,000 objects of 80 events)…\n');
    await writeSampleStash(SMALL, { objects: 20_000, events: 80, seed: 11 });
  }
  if (!existsSync(JOINED)) {
    mkdirSync(JOINED, { recursive: true });
    const files = listFiles(SMALL).sort();
    writeFileSync(join(JOINED, 'all-objects'), Buffer.concat(files.map((f) => readFileSync(f))));
  }
  // A freshly written set is still being flushed to disk: let that finish before anything is timed.
  spawnSync('sync');
}

function manySmallObjects(): void {
  const inputs = listFiles(SMALL);
  process.stderr.write(
    `(1) ${inputs.length} objects, ${mib(totalSize(inputs))}, against one object of the same bytes\n`,
  );
  // A round's output is moved aside, and deleted only after the last round: on an ext4 without a journal every
  // file created soon after many were deleted pays for a scan past the deleted inodes (recently_deleted()).
  const trash = join(OUT, 'trash');
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(trash, { recursive: true });
  let moved = 0;
  const results = sideBySide(
    {
      many: [...CLI, 'convert', SMALL, join(OUT, 'many'), '--quiet'],
      one: [...CLI, 'convert', JOINED, join(OUT, 'one'), '--quiet'],
    },
    ROUNDS,
    (name) => {
      if (existsSync(join(OUT, name))) renameSync(join(OUT, name), join(trash, String(moved++)));
    },
  );
  rmSync(OUT, { recursive: true, force: true });
  const ratio = results.many.wall / results.one.wall;
  process.stdout.write(
    `${JSON.stringify({ bench: 'many-small', objects: inputs.length, ...results, ratio })}\n` +
      `(1) 20,000 objects ${results.many.wall.toFixed(2)} s (peak ${results.many.peakMiB.toFixed(0)} MiB), ` +
      `one object ${results.one.wall.toFixed(2)} s: ratio ${ratio.toFixed(2)}× (median of ${ROUNDS})\n`,
  );
}

function simulatedRuns(): void {
  process.stderr.write('(2) simulated runs from memory: 20,000 and 200,000 objects\n');
  const small = measureWithOutput(20_000);
  const big = measureWithOutput(200_000);
  process.stdout.write(
    `${JSON.stringify({ bench: 'simulated', small, big })}\n` +
      `(2) per object: ${small.perObjectMs.toFixed(3)} ms at 20,000, ${big.perObjectMs.toFixed(3)} ms at 200,000 ` +
      `(${(big.perObjectMs / small.perObjectMs).toFixed(2)}×); peak ${small.peakMiB.toFixed(0)} MiB and ${big.peakMiB.toFixed(0)} MiB\n`,
  );
}

/** Runs the simulated run under GNU time: its own figures from stdout, peak RSS from outside. */
function measureWithOutput(objects: number): {
  objects: number;
  perObjectMs: number;
  seconds: number;
  peakMiB: number;
} {
  const file = join(DATA, `simulated-${objects}.json`);
  mkdirSync(DATA, { recursive: true });
  const m = measure(['sh', '-c', `node --import tsx bench/lib/simulated-run.ts ${objects} > ${file}`]);
  const printed = JSON.parse(readFileSync(file, 'utf8')) as { perObjectMs: number; seconds: number };
  process.stderr.write(`  ${objects} objects: ${printed.seconds.toFixed(2)} s, ${m.peakMiB.toFixed(0)} MiB\n`);
  return { objects, perObjectMs: printed.perObjectMs, seconds: printed.seconds, peakMiB: m.peakMiB };
}

async function farAwayS3(): Promise<void> {
  const OBJECTS = 400;
  const files = listFiles(SMALL).sort().slice(0, OBJECTS);
  process.stderr.write(`(3) ${OBJECTS} objects S3→S3, 40 ms added to every request against none\n`);
  const server = await startS3Server();
  await server.createBucket('scale-src');
  await server.createBucket('scale-dst');
  await inBatches(files, 16, async (file) => {
    await server.putObject('scale-src', `in/${relative(SMALL, file).split('\\').join('/')}`, readFileSync(file));
  });
  const near = await startFaultProxy(server.endpoint, { seed: 1 });
  const far = await startFaultProxy(server.endpoint, { seed: 1, delayMs: 40 });
  const times: Record<'near' | 'far', number[]> = { near: [], far: [] };
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, proxy] of [
        ['near', near],
        ['far', far],
      ] as const) {
        const started = process.hrtime.bigint();
        const report = await convert('s3://scale-src/in', `s3://scale-dst/${name}`, {
          endpointUrl: proxy.endpoint,
          force: true,
        });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        if (report.objects.converted !== OBJECTS) throw new Error(`${name}: ${JSON.stringify(report.objects)}`);
        times[name].push(seconds);
        process.stderr.write(`  round ${round} ${name}: ${seconds.toFixed(2)} s\n`);
      }
    }
  } finally {
    await near.stop();
    await far.stop();
    await server.stop();
  }
  const near40 = median(times.near);
  const far40 = median(times.far);
  process.stdout.write(
    `${JSON.stringify({ bench: 'far-s3', objects: OBJECTS, nearSeconds: near40, farSeconds: far40, ratio: far40 / near40 })}\n` +
      `(3) ${OBJECTS} objects S3→S3: no added latency ${near40.toFixed(2)} s, 40 ms per request ${far40.toFixed(2)} s: ` +
      `ratio ${(far40 / near40).toFixed(2)}× (median of ${ROUNDS})\n`,
  );
}

if (wanted('small') || wanted('latency')) await ensureSmallSet();
if (wanted('small')) manySmallObjects();
if (wanted('simulated')) simulatedRuns();
if (wanted('latency')) await farAwayS3();
