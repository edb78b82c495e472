import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStorage } from '../storage/index.js';
import type { StorageOptions } from '../storage/types.js';

/**
 * What a stash's cache was last completed from: a digest of its listing (every key with its version and size)
 * and of the options that shape the cache. When a new question finds the same listing, the cache is complete and
 * conversion is not started at all: checking 14,400 completion markers one object at a time costs more than the
 * question itself over the compacted cache.
 */
export interface StashFingerprint {
  readonly digest: string;
  readonly objects: number;
}

const FILE = join('_flowlake', 'stash-listing.json');

export async function stashFingerprint(
  url: string,
  options: StorageOptions & { readonly shape: unknown },
): Promise<StashFingerprint> {
  const storage = await openStorage(url, options);
  const hash = createHash('sha256').update(JSON.stringify(options.shape ?? null));
  let objects = 0;
  try {
    for await (const info of storage.list()) {
      hash.update(`${info.key}\0${info.etag}\0${info.size}\n`);
      objects++;
    }
  } finally {
    await storage.close?.();
  }
  return { digest: hash.digest('hex'), objects };
}

/** The fingerprint the cache was last completed from, if any. */
export async function completedFingerprint(cacheDir: string): Promise<StashFingerprint | undefined> {
  try {
    const value = JSON.parse(await readFile(join(cacheDir, FILE), 'utf8')) as StashFingerprint;
    return typeof value.digest === 'string' && Number.isInteger(value.objects) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Records that the cache holds every object of this listing (written whole: temp file, then rename). */
export async function recordCompleted(cacheDir: string, fingerprint: StashFingerprint): Promise<void> {
  const path = join(cacheDir, FILE);
  await mkdir(join(cacheDir, '_flowlake'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(fingerprint));
  await rename(`${path}.tmp`, path);
}
