import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where stashes are converted to Parquet for querying: `$XDG_CACHE_HOME/flowlake`, else `~/.cache/flowlake`. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'flowlake');
}

/** The cache is a compacted hive lake. */
const CACHE_LAYOUT = 'lake-1';

export interface StashIdentity {
  readonly url: string;
  readonly endpointUrl?: string;
  readonly fields?: string;
  readonly logGroupFormats?: Readonly<Record<string, string>>;
}

/**
 * The cache folder of one stash: a name derived from the source and the options that change its rows, so two
 * stashes (or one read with two formats) never share a folder. The completion markers inside make re-use
 * incremental: only objects new or changed since the last run are converted again.
 */
export function stashCacheDir(root: string, stash: StashIdentity): string {
  const url = /^s3:\/\//i.test(stash.url) ? stash.url : resolve(stash.url);
  // The layout is part of the name: caches of earlier versions (one file per object) are never mixed into a lake.
  const key = JSON.stringify([
    CACHE_LAYOUT,
    url,
    stash.endpointUrl ?? null,
    stash.fields ?? null,
    stash.logGroupFormats ?? null,
  ]);
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(resolve(root), 'stashes', digest);
}
