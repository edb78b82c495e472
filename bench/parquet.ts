/**
 * Parquet benchmark: our decoder + Parquet encoder against DuckDB converting the same Firehose stash
 * (`read_json(format='unstructured', compression='gzip')` → `COPY … (FORMAT parquet, COMPRESSION snappy)`,
 * 2 threads). Prints medians over the runs, the ratio to DuckDB and the output sizes.
 *
 *   node --import tsx bench/parquet.ts [--events 1000000] [--objects 4] [--runs 3]
 *
 * The stash is generated once (seeded) under bench/data/. Our side runs one object per worker process with
 * as many workers as DuckDB has threads, as the CLI's worker pool does; the single-thread time and the
 * encoder-only time (batches already decoded in memory) are printed too, to show where the time goes.
 * CPU seconds (this process, all threads) are printed beside wall time: on a shared machine they are the
 * steadier comparison.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DecodeContext } from '../src/decode/context.js';
import { decodeObject } from '../src/decode/index.js';
import type { EventBatch } from '../src/decode/types.js';
import { createParquetEncoder } from '../src/encode/parquet.js';
import { DEFAULT_FORMAT } from '../src/formats/format.js';
import { writeSampleStash } from '../src/sample/stash.js';

const THREADS = 2;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const context: DecodeContext = {
  formatFor: () => ({ format: DEFAULT_FORMAT, key: '' }),
  reject: () => {},
  controlMessage: () => {},
};

/** Converts one stash object to one Parquet file, the way the pipeline does. */
async function convertOne(input: string, output: string): Promise<void> {
  const decoded = await decodeObject(createReadStream(input, { highWaterMark: 1 << 20 }), context);
  const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out: createWriteStream(output) });
  for await (const batch of decoded.batches) await encoder.write(batch);
  await encoder.finish();
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found.sort();
}

async function sizeOf(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  return total;
}

/**
 * Worker processes, started and warmed (one conversion each, so the JIT has compiled the hot paths) before
 * the clock runs: the timed part is the steady state of a pool working through a stash.
 */
async function startWorkers(warmInput: string, scratchDir: string): Promise<ChildProcess[]> {
  const self = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: THREADS }, () => fork(self, ['--worker'], { execArgv: ['--import', 'tsx'] }));
  await Promise.all(workers.map((w) => once(w, 'message')));
  await Promise.all(
    workers.map(async (w, i) => {
      const reply = once(w, 'message');
      w.send({ input: warmInput, output: join(scratchDir, `warm-${i}.parquet`) });
      await reply;
    }),
  );
  return workers;
}

/** Ours with a pool of worker processes, one object at a time each. */
async function oursPooled(workers: ChildProcess[], inputs: string[], outDir: string): Promise<void> {
  let next = 0;
  const drive = async (w: ChildProcess) => {
    for (;;) {
      const i = next++;
      if (i >= inputs.length) return;
      const reply = once(w, 'message');
      w.send({ input: inputs[i], output: join(outDir, `${i}.parquet`) });
      const [m] = (await reply) as [{ error?: string }];
      if (m.error) throw new Error(m.error);
    }
  };
  await Promise.all(workers.map(drive));
}

async function oursSingle(inputs: string[], outDir: string): Promise<void> {
  for (let i = 0; i < inputs.length; i++) await convertOne(inputs[i], join(outDir, `${i}.parquet`));
}

/** Encoder only: batches decoded beforehand, output bytes counted and dropped. */
async function encoderOnly(batches: EventBatch[][]): Promise<number> {
  let bytes = 0;
  for (const object of batches) {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out: sink });
    for (const batch of object) await encoder.write(batch);
    await encoder.finish();
  }
  return bytes;
}

function duckdbSql(stashDir: string, output: string): string {
  // The v2 columns with the types flowlake writes, so both sides produce the same schema.
  const sqlTypes = { int32: 'INTEGER', int64: 'BIGINT', string: 'VARCHAR' } as const;
  const fields = DEFAULT_FORMAT.fields.map((f) => [`"${f.column}"`, sqlTypes[f.type]] as const);
  const columns = fields
    .map(([name, type], i) =>
      type === 'VARCHAR'
        ? `nullif(p[${i + 1}], '-') AS ${name}`
        : `TRY_CAST(nullif(p[${i + 1}], '-') AS ${type}) AS ${name}`,
    )
    .join(', ');
  return `COPY (
    SELECT make_timestamptz(e.timestamp * 1000) AS "timestamp", ${columns}
    FROM (
      SELECT e, string_split(e.message, ' ') AS p
      FROM (
        SELECT unnest(logEvents) AS e
        FROM read_json('${stashDir}/**', format = 'unstructured', compression = 'gzip',
          columns = {messageType: 'VARCHAR', logEvents: 'STRUCT(id VARCHAR, "timestamp" BIGINT, message VARCHAR)[]'})
        WHERE messageType = 'DATA_MESSAGE'
      )
    )
  ) TO '${output}' (FORMAT parquet, COMPRESSION snappy)`;
}

async function duckdb(stashDir: string, output: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: String(THREADS) });
  const con = await db.connect();
  await con.run(duckdbSql(stashDir, output));
  con.closeSync();
  db.closeSync();
}

/** DuckDB started cold in its own process, like the CLI run it is compared with (plain JS: no TypeScript loader). */
function duckdbProcess(stashDir: string, output: string): void {
  const script = `import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:', { threads: '${THREADS}' });
const con = await db.connect();
await con.run(process.argv[1]);
con.closeSync();
db.closeSync();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script, duckdbSql(stashDir, output)]);
}

/** Wall seconds and CPU seconds (user + system, every thread of this process) of one run. */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** The real command, started cold, as a user runs it (needs `npm run build`). */
function cli(input: string, output: string): void {
  execFileSync(process.execPath, [
    'bin/flowlake.js',
    'convert',
    input,
    output,
    '--to',
    'parquet',
    '--force',
    '--quiet',
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const events = arg('events', 1_000_000);
  const objects = arg('objects', 4);
  const runs = Math.max(3, arg('runs', 3));
  const root = join(fileURLToPath(new URL('.', import.meta.url)), 'data');
  const stashDir = join(root, `stash-${objects}x${events / objects}`);
  if (!existsSync(stashDir)) {
    console.log(`generating ${events} events in ${objects} objects → ${relative(process.cwd(), stashDir)}`);
    await writeSampleStash(stashDir, { objects, events: events / objects, seed: 42 });
  }
  const inputs = await listFiles(stashDir);
  const outDir = join(root, 'parquet-out');
  type Run = { wall: number; cpu: number };
  const times = {
    cli: [] as Run[],
    pooled: [] as Run[],
    single: [] as Run[],
    encoder: [] as Run[],
    duckdb: [] as Run[],
    duckdbProcess: [] as Run[],
  };
  let oursBytes = 0;
  let duckBytes = 0;

  const decoded: EventBatch[][] = [];
  for (const input of inputs) {
    const batches: EventBatch[] = [];
    for await (const b of (await decodeObject(createReadStream(input), context)).batches) batches.push(b);
    decoded.push(batches);
  }

  for (let r = 0; r < runs; r++) {
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    times.duckdb.push(await timed(() => duckdb(stashDir, join(outDir, 'duckdb.parquet'))));
    duckBytes = (await stat(join(outDir, 'duckdb.parquet'))).size;
    await mkdir(join(outDir, 'pooled'));
    const workers = await startWorkers(inputs[0], outDir);
    times.pooled.push(await timed(() => oursPooled(workers, inputs, join(outDir, 'pooled'))));
    for (const w of workers) w.kill();
    oursBytes = await sizeOf(await listFiles(join(outDir, 'pooled')));
    await mkdir(join(outDir, 'single'));
    times.single.push(await timed(() => oursSingle(inputs, join(outDir, 'single'))));
    times.encoder.push(await timed(() => encoderOnly(decoded)));
    times.cli.push(await timed(async () => cli(stashDir, join(outDir, 'cli'))));
    times.duckdbProcess.push(await timed(async () => duckdbProcess(stashDir, join(outDir, 'duckdb-process.parquet'))));
  }

  const wall = (runs: Run[]) => median(runs.map((r) => r.wall));
  const cpu = (runs: Run[]) => median(runs.map((r) => r.cpu));
  const duckWall = wall(times.duckdb);
  const duckCpu = cpu(times.duckdb);
  const row = (name: string, runs: Run[], withCpu: boolean) => {
    const w = wall(runs);
    const cpuText = withCpu
      ? `   cpu ${cpu(runs).toFixed(2).padStart(6)} s   ${(cpu(runs) / duckCpu).toFixed(2)}× DuckDB cpu`
      : '';
    console.log(
      `${name.padEnd(44)} wall ${w.toFixed(2).padStart(6)} s   ${(w / duckWall).toFixed(2)}× DuckDB${cpuText}`,
    );
  };
  console.log(`\n${events} events, ${inputs.length} objects, median of ${runs} runs`);
  row(`DuckDB read_json → COPY parquet (${THREADS} threads)`, times.duckdb, true);
  row('DuckDB in its own process (node + @duckdb/node-api)', times.duckdbProcess, false);
  row('flowlake convert --to parquet (the CLI, whole process)', times.cli, false);
  console.log(
    `whole process against whole process: flowlake CLI / DuckDB = ${(wall(times.cli) / wall(times.duckdbProcess)).toFixed(2)}×`,
  );
  row(`flowlake decode + parquet (${THREADS} warm workers)`, times.pooled, false);
  row('flowlake decode + parquet (1 thread)', times.single, true);
  row('flowlake parquet encoder only (1 thread)', times.encoder, true);
  console.log(
    `size: flowlake ${(oursBytes / 2 ** 20).toFixed(1)} MiB, DuckDB ${(duckBytes / 2 ** 20).toFixed(1)} MiB, ratio ${(oursBytes / duckBytes).toFixed(2)}`,
  );
}

if (process.argv.includes('--worker')) {
  process.on('message', async (job: { input: string; output: string }) => {
    try {
      await convertOne(job.input, job.output);
      process.send?.({});
    } catch (error) {
      process.send?.({ error: String(error) });
    }
  });
  process.send?.({ ready: true });
} else {
  await main();
}
