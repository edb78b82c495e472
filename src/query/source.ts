import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { OUTPUT_EXTENSIONS, type OutputKind } from '../encode/types.js';
import { TEMP_PREFIX } from '../storage/key-names.js';

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

/** Bookkeeping folders and unfinished writes are never data. */
const OWN_FOLDER = '_flowlake';

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
  const chosen = EXTENSIONS.map(([kind]) => kind).find((kind) => byKind.has(kind));
  if (chosen && (other === 0 || bookkeeping)) {
    return { kind: 'outputs', fileKind: chosen, files: (byKind.get(chosen) ?? []).sort(), other };
  }
  return { kind: 'stash', url: root };
}

function kindOf(name: string): OutputFileKind | undefined {
  if (name.endsWith('.rejects.jsonl.gz')) return undefined;
  return EXTENSIONS.find(([, ext]) => name.endsWith(ext))?.[0];
}

async function* walk(
  dir: string,
  inOwnFolder = false,
): AsyncGenerator<{ path: string; name: string; inOwnFolder: boolean }> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path, inOwnFolder || entry.name === OWN_FOLDER);
    else if (entry.isFile()) yield { path, name: entry.name, inOwnFolder };
  }
}
