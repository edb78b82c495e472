import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { OutputKind } from '../encode/types.js';
import { parseCompactedKey, parseRecentKey } from '../lake/lake-keys.js';
import { STATE_PREFIX } from '../lake/state.js';
import { isVisible, type LakeView, readLakeView } from '../lake/visible.js';
import { openStorage } from '../storage/index.js';
import { keyToSegments, TEMP_PREFIX } from '../storage/key-names.js';
import { LocalStorage } from '../storage/local.js';
import type { ObjectInfo, Storage, StorageOptions } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { kindOf, preferredKind } from './source.js';

/**
 * flowlake's outputs in S3 (what convert or the stack wrote: any kind, mirror or hive, compacted or not) read as
 * outputs, not as a stash (DESIGN §10): the files the lake shows now, of the partitions the question's window
 * needs, fetched once into the cache and read there; a later question fetches only what changed.
 */

export interface RemoteOutputs {
  readonly fileKind: OutputKind;
  /** Local copies of the files to read. */
  readonly files: readonly string[];
  readonly fetched: number;
  readonly fetchedBytes: number;
  /** Files the window leaves out. */
  readonly pruned: number;
}

export interface RemoteOutputOptions extends StorageOptions {
  readonly cacheRoot: string;
  /** The question's window on `start` (epoch seconds): hive partitions wholly outside it are not fetched. */
  readonly since?: number;
  readonly until?: number;
}

const BOOKKEEPING = '_flowlake/';

const FETCHES_AT_ONCE = 8;
const HOUR_S = 3600;

/** The outputs under an `s3://` source, or undefined when it is a stash (a data object no output can be). */
export async function fetchRemoteOutputs(
  url: string,
  options: RemoteOutputOptions,
): Promise<RemoteOutputs | undefined> {
  const remote = await openStorage(url, options);
  try {
    const found = await listConsistently(remote);
    if (!found) return undefined;
    const { listing, view } = found;
    const fileKind = preferredKind(listing.byKind);
    if (!fileKind) return undefined;
    const all = listing.byKind.get(fileKind) ?? [];
    const visible = view ? all.filter((o) => isVisible(view, o.key)) : all;
    const wanted = visible.filter((o) => inWindow(o.key, options.since, options.until));
    const copy = await openCopy(url, options);
    const { fetched, fetchedBytes } = await copy.update(remote, visible, wanted);
    return {
      fileKind,
      files: wanted.map((o) => copy.pathOf(o.key)).sort(),
      fetched,
      fetchedBytes,
      pruned: visible.length - wanted.length,
    };
  } finally {
    await remote.close?.();
  }
}

/** A compaction that publishes while the prefix is listed: list again (a publish is rare and quick). */
const LIST_ATTEMPTS = 5;

/**
 * The listing, with the lake's state unchanged from before it to after it: a day published in between could
 * otherwise be judged by its new state against a listing that lacks the new files.
 */
async function listConsistently(remote: Storage): Promise<{ listing: Listing; view?: LakeView } | undefined> {
  for (let attempt = 1; ; attempt++) {
    const before = await stateStamp(remote);
    const listing = await listOutputs(remote);
    if (!listing) return undefined;
    if (!listing.bookkeeping) return { listing };
    const keys = new Set([...listing.byKind.values()].flat().map((o) => o.key));
    const view = await readLakeView(remote, keys);
    // The state the view read lies between the two stamps: equal stamps, and it is the listing's.
    if (attempt === LIST_ATTEMPTS || (await stateStamp(remote)) === before) return { listing, view };
  }
}

/** The versions of the state objects (one listing request for a small lake). */
async function stateStamp(remote: Storage): Promise<string> {
  const parts: string[] = [];
  for await (const info of remote.list({ prefixes: [STATE_PREFIX] })) parts.push(`${info.key} ${info.etag}`);
  return parts.join('\n');
}

interface Listing {
  readonly byKind: Map<OutputKind, ObjectInfo[]>;
  readonly bookkeeping: boolean;
}

/**
 * Output files by kind, as the local rule has it: the prefix holds outputs when it has flowlake's bookkeeping,
 * or when every data object carries an output extension. Without bookkeeping, the first other object ends the
 * listing: the source is a stash, which convert lists again itself.
 */
async function listOutputs(remote: Storage): Promise<Listing | undefined> {
  let bookkeeping = false;
  for await (const _ of remote.list({ prefixes: [BOOKKEEPING] })) {
    bookkeeping = true;
    break;
  }
  const byKind = new Map<OutputKind, ObjectInfo[]>();
  for await (const info of remote.list()) {
    if (info.key.startsWith(BOOKKEEPING) || info.key.startsWith(STATE_PREFIX)) continue;
    const name = info.key.slice(info.key.lastIndexOf('/') + 1);
    if (name.startsWith(TEMP_PREFIX)) continue;
    const kind = kindOf(name);
    if (!kind) {
      if (!bookkeeping) return undefined;
      continue;
    }
    const list = byKind.get(kind) ?? [];
    list.push(info);
    byKind.set(kind, list);
  }
  return byKind.size > 0 ? { byKind, bookkeeping } : undefined;
}

/** Whether a file's partition can hold rows whose `start` is in [since, until): hive partitions are by `start`. */
function inWindow(key: string, since: number | undefined, until: number | undefined): boolean {
  if (since === undefined && until === undefined) return true;
  const recent = parseRecentKey(key);
  const compacted = recent ? undefined : parseCompactedKey(key);
  const day = recent ?? compacted;
  if (!day) return true; // mirror layout, or an unknown hour: the names say nothing of the time
  const dayStart =
    Date.UTC(Number(day.day.slice(0, 4)), Number(day.day.slice(4, 6)) - 1, Number(day.day.slice(6, 8))) / 1000;
  const from = recent ? dayStart + Number(recent.hour) * HOUR_S : dayStart;
  const to = recent ? from + HOUR_S : dayStart + 24 * HOUR_S;
  return (since === undefined || to > since) && (until === undefined || from < until);
}

/** The local copy of one remote prefix: its files under their keys, and the version of each (ETag). */
async function openCopy(url: string, options: RemoteOutputOptions) {
  const key = JSON.stringify([url, options.endpointUrl ?? null]);
  const root = join(resolve(options.cacheRoot), 'outputs', createHash('sha256').update(key).digest('hex').slice(0, 16));
  const filesRoot = join(root, 'files');
  const manifestPath = join(root, 'fetched.json');
  await mkdir(filesRoot, { recursive: true });
  const manifest = new Map<string, string>(
    Object.entries(
      await readFile(manifestPath, 'utf8')
        .then((text) => JSON.parse(text) as Record<string, string>)
        .catch(() => ({})),
    ),
  );
  const local = new LocalStorage(filesRoot);
  const pathOf = (k: string) => join(filesRoot, ...keyToSegments(k));
  return {
    pathOf,
    /**
     * Fetches the wanted files that are new or changed, and drops the copies of files the lake no longer shows
     * (deleted, or retired by a compaction), so the copy never holds a row twice.
     */
    async update(remote: Storage, visible: readonly ObjectInfo[], wanted: readonly ObjectInfo[]) {
      const shown = new Set(visible.map((o) => o.key));
      for (const k of [...manifest.keys()]) {
        if (shown.has(k)) continue;
        await rm(pathOf(k), { force: true });
        manifest.delete(k);
      }
      const stale = wanted.filter((o) => manifest.get(o.key) !== o.etag || !existsSync(pathOf(o.key)));
      let fetchedBytes = 0;
      try {
        await forEachLimit(stale, FETCHES_AT_ONCE, async (o) => {
          const write = local.writeAtomic(o.key);
          try {
            await pipeline(await remote.openRead(o.key, { etag: o.etag, size: o.size }), write.stream);
            await write.commit();
          } catch (err) {
            await write.abort();
            throw new Error(`${remote.root}/${o.key}: could not be fetched: ${(err as Error).message}`);
          }
          manifest.set(o.key, o.etag);
          fetchedBytes += o.size;
        });
      } finally {
        await writeFile(manifestPath, JSON.stringify(Object.fromEntries(manifest)));
      }
      return { fetched: stale.length, fetchedBytes };
    },
  };
}
