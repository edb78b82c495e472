/**
 * Where one small object's time goes: converts N objects one after another on this thread (no pool, no
 * overlap) with the destination's and source's storage calls timed, and prints the mean per object of each.
 * What is left over is the pipeline on the CPU: sniffing, gunzip, decoding, encoding, gzip set-up and finish.
 *
 *   node --import tsx bench/object-phases.ts SRC_FOLDER [N=3000]          (e.g. bench/data/scale-small)
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { convertObject } from '../src/convert/object.js';
import { LocalStorage } from '../src/storage/local.js';
import type { ObjectInfo, Storage } from '../src/storage/types.js';

const [src, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 3000);
const dst = join(tmpdir(), `flowlake-phases-${process.pid}`);
const spent: Record<string, number> = {};
const add = (phase: string, ms: number) => {
  spent[phase] = (spent[phase] ?? 0) + ms;
};
/** Times a call from before it starts: a local storage does its file system work synchronously. */
function timed<T>(phase: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return call().finally(() => add(phase, performance.now() - started));
}

/** The storage's calls, each timed under a phase name; everything else passes through. */
function timing(inner: Storage): Storage {
  return {
    root: inner.root,
    list: (o) => inner.list(o),
    openRead: (k, o) => timed('source open', () => inner.openRead(k, o)),
    readRange: (k, s, e) => inner.readRange(k, s, e),
    readSmall: (k) => timed('marker check (read)', () => inner.readSmall(k)),
    exists: (k) => timed('marker check (outputs exist)', () => inner.exists(k)),
    remove: (k) => inner.remove(k),
    writeAtomic: (k, o) => {
      const started = performance.now();
      const write = inner.writeAtomic(k, o);
      add('output open (folder, temp file)', performance.now() - started);
      return {
        stream: write.stream,
        commit: () => timed('output commit (flush, close, rename)', () => write.commit()),
        abort: () => write.abort(),
      };
    },
    writeSmall: (k, b, o) => timed('marker write (temp file, rename)', () => inner.writeSmall(k, b, o)),
  };
}

const source = timing(new LocalStorage(src));
const objects: ObjectInfo[] = [];
for await (const object of new LocalStorage(src).list()) {
  objects.push(object);
  if (objects.length >= count + 200) break;
}
const options = { to: ['csv' as const], layout: 'mirror' as const };
try {
  // Warm up on objects not measured, so the optimiser has settled.
  const dest = timing(new LocalStorage(dst));
  for (const object of objects.slice(count)) await convertObject({ source, dest, object, options });
  for (const phase of Object.keys(spent)) delete spent[phase];
  const started = performance.now();
  for (const object of objects.slice(0, count)) {
    const result = await convertObject({ source, dest, object, options });
    if (result.status !== 'converted') throw new Error(`${object.key}: ${result.status} ${result.error ?? ''}`);
  }
  const total = performance.now() - started;
  const per = (ms: number) => `${(ms / count).toFixed(3)} ms`;
  let storage = 0;
  const lines = [`per object, ${count} objects in a row: ${per(total)}`];
  for (const [phase, ms] of Object.entries(spent)) {
    storage += ms;
    lines.push(`  ${phase}: ${per(ms)}`);
  }
  lines.push(`  the pipeline (sniff, gunzip, decode, encode, gzip set-up and finish): ${per(total - storage)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dst, { recursive: true, force: true });
}
