/**
 * One simulated run for bench/scale.ts: `node --import tsx bench/lib/simulated-run.ts N` converts N small
 * Firehose objects served from memory (16 generated bodies, each listed under many keys) into a destination
 * that discards what it is given, then prints {objects, seconds, perObjectMs} as JSON. No disk and no network:
 * what is left is the run's own per-object cost (listing, scheduling, the pipeline, the report) and its memory.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertBetween } from '../../src/convert/run.js';
import { writeSampleStash } from '../../src/sample/stash.js';
import { MemoryDestination, MemorySource } from '../../test/support/memory-storage.js';

const objects = Number(process.argv[2] ?? 20_000);
const EVENTS = 80;
const TEMPLATES = 16;

const dir = mkdtempSync(join(tmpdir(), 'flowlake-simulated-'));
const sample = await writeSampleStash(dir, { objects: TEMPLATES, events: EVENTS, seed: 9 });
const bodies = sample.keys.map((key) => readFileSync(join(dir, key)));
rmSync(dir, { recursive: true, force: true });

const keyOf = (i: number) => `2020/02/${String(1 + (i % 28)).padStart(2, '0')}/00/object-${String(i).padStart(7, '0')}`;
const source = new MemorySource(
  function* () {
    for (let i = 0; i < objects; i++) yield { key: keyOf(i), size: bodies[i % TEMPLATES].length, etag: `"${i}"` };
  },
  (key) => bodies[Number(key.slice(-7)) % TEMPLATES],
);
const started = process.hrtime.bigint();
const report = await convertBetween(source, new MemoryDestination(false));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (report.objects.converted !== objects) throw new Error(`converted ${report.objects.converted} of ${objects}`);
if (report.rows !== objects * EVENTS) throw new Error(`rows ${report.rows}, expected ${objects * EVENTS}`);
process.stdout.write(`${JSON.stringify({ objects, seconds, perObjectMs: (seconds * 1000) / objects })}\n`);
