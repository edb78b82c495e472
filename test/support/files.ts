import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, as sorted `/`-separated paths relative to it (the keys a destination holds). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** Every CSV output among a destination's keys has its completion marker: nothing partial or unmarked is left. */
export function assertEveryOutputMarked(keys: readonly string[]): void {
  for (const key of keys.filter((k) => k.endsWith('.csv.gz'))) {
    const source = key.slice(0, -'.csv.gz'.length);
    assert.ok(keys.includes(`_flowlake/done/${source}.json`), `${key} has no marker`);
  }
}
