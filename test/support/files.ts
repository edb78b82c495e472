import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, as sorted `/`-separated paths relative to it (the keys a destination holds). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}
