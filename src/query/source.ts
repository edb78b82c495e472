import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { OUTPUT_EXTENSIONS, type OutputKind } from '../encode/types.js';
import { readState, STATE_PREFIX, stateFingerprint } from '../lake/state.js';
import { isVisible, type LakeView, readLakeView } from '../lake/visible.js';
import { TEMP_PREFIX } from '../storage/key-names.js';
import { LocalStorage } from '../storage/local.js';

export type OutputFileKind = OutputKind;

/** What a source turned out to be: flowlake outputs to read as they are, or a stash to convert first. */
export type SourcePlan =
  | {
      readonly kind: 'outputs';
      readonly fileKind: OutputFileKind;
      readonly files: readonly string[];
      readonly other: number;
    }
  | { readonly kind: 'stash'; readonly url: string };

/** Output kinds in the order a folder holding several is read. */
const EXTENSIONS = (['parquet', 'jsonl', 'csv'] as const).map((kind) => [kind, OUTPUT_EXTENSIONS[kind]] as const);

/** The kind to read when a source holds several (one pass with several kinds writes the same rows into each). */
export function preferredKind(present: ReadonlySet<OutputFileKind> | ReadonlyMap<OutputFileKind, unknown>) {
  return EXTENSIONS.map(([kind]) => kind).find((kind) => present.has(kind));
}

/** Bookkeeping folders (convert's anywhere, the lake state compaction publishes at the top) are never data. */
const OWN_FOLDER = '_flowlake';
const STATE_FOLDER = STATE_PREFIX.slice(0, -1);
/** A compaction that publishes while the folder is listed: list again (a publish is rare and quick). */
const LIST_ATTEMPTS = 5;

/**
 * Tells outputs from a stash. A local folder (or file) whose data files all carry an output extension, or that
 * has flowlake's `_flowlake/` bookkeeping, holds outputs: they are read as they are, one kind only (Parquet, else
 * JSONL, else CSV — one pass with several kinds writes the same rows into each). Anything else, and every
 * `s3://` source, is a stash: it is converted to a Parquet cache first.
 */
export async function planSource(src: string): Promise<SourcePlan> {
  if (/^s3:\/\//i.test(src)) return { kind: 'stash', url: src };
  const root = resolve(src);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new Error(`${src}: no such file or folder`);
  if (info.isFile()) {
    const kind = kindOf(basename(root));
    return kind ? { kind: 'outputs', fileKind: kind, files: [root], other: 0 } : { kind: 'stash', url: root };
  }
  const listing = await listOutputs(root);
  const { byKind, other, bookkeeping } = listing;
  const chosen = preferredKind(byKind);
  if (chosen && (other === 0 || bookkeeping)) {
    return { kind: 'outputs', fileKind: chosen, files: (byKind.get(chosen) ?? []).sort(), other };
  }
  return { kind: 'stash', url: root };
}

interface OutputListing {
  readonly byKind: Map<OutputFileKind, string[]>;
  readonly other: number;
  readonly bookkeeping: boolean;
}

/**
 * A folder's output files by kind. In a lake (DESIGN §10) only the visible files count: not those of an
 * unfinished checkpoint, nor compacted files of a generation that is not live, nor files a compaction replaced.
 * The state is read before and after the listing; when a compaction published in between, the folder is listed
 * again, so the files and the state that judges them belong together.
 */
async function listOutputs(root: string): Promise<OutputListing> {
  const lake = new LocalStorage(root);
  for (let attempt = 1; ; attempt++) {
    const before = stateFingerprint(await readState(lake));
    const listing = await walkOutputs(root);
    if (!listing.bookkeeping) return listing;
    const keys = new Set([...listing.byKind.values()].flat().map((path) => relative(root, path).split(sep).join('/')));
    const view = await readLakeView(lake, keys);
    if (stateFingerprint(view.state) === before || attempt === LIST_ATTEMPTS) return visibleOnly(root, listing, view);
  }
}

function visibleOnly(root: string, listing: OutputListing, view: LakeView): OutputListing {
  const byKind = new Map<OutputFileKind, string[]>();
  for (const [kind, paths] of listing.byKind) {
    const visible = paths.filter((path) => isVisible(view, relative(root, path).split(sep).join('/')));
    if (visible.length > 0) byKind.set(kind, visible);
  }
  return { ...listing, byKind };
}

async function walkOutputs(root: string): Promise<OutputListing> {
  const byKind = new Map<OutputFileKind, string[]>();
  let other = 0;
  let bookkeeping = false;
  for await (const { path, name, inOwnFolder } of walk(root)) {
    if (inOwnFolder) {
      bookkeeping = true;
      continue;
    }
    const kind = kindOf(name);
    if (kind) {
      const list = byKind.get(kind) ?? [];
      list.push(path);
      byKind.set(kind, list);
    } else other++;
  }
  return { byKind, other, bookkeeping };
}

/** The output kind a file name says (rejects files are bookkeeping, not outputs). */
export function kindOf(name: string): OutputFileKind | undefined {
  if (name.endsWith('.rejects.jsonl.gz')) return undefined;
  return EXTENSIONS.find(([, ext]) => name.endsWith(ext))?.[0];
}

/**
 * The files under `dir`. A bookkeeping folder is not walked (a lake's `_flowlake/` holds a marker per source
 * object: 14,400 files for ten days of one stream); it shows up as one entry with `inOwnFolder` set.
 */
async function* walk(dir: string, root = dir): AsyncGenerator<{ path: string; name: string; inOwnFolder: boolean }> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === OWN_FOLDER || (dir === root && entry.name === STATE_FOLDER)) {
        yield { path, name: entry.name, inOwnFolder: true };
      } else yield* walk(path, root);
    } else if (entry.isFile()) yield { path, name: entry.name, inOwnFolder: false };
  }
}
