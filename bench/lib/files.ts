import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function listFiles(dir: string, suffix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '_flowlake') found.push(...listFiles(path, suffix));
    } else if (entry.isFile() && path.endsWith(suffix)) found.push(path);
  }
  return found.sort();
}

export function totalSize(files: readonly string[]): number {
  return files.reduce((sum, f) => sum + statSync(f).size, 0);
}
