import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFile as readFileCallback } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { decodeSegment, isEncodedName, keyToSegments, segmentsToKey, TEMP_PREFIX } from './key-names.js';
import type { AtomicWrite, ListOptions, ObjectInfo, ReadOptions, Storage, WriteOptions } from './types.js';

/** fs.promises.readFile goes through a FileHandle: the callback form costs a small object noticeably less. */
const readFile = promisify(readFileCallback);

const MAX_REMEMBERED_FOLDERS = 10_000;

/**
 * A folder on the local disk (or a single file, when `onlyFile` names it). Keys are names, never paths: each
 * key segment maps to a file name through key-names.ts, so no key can reach outside the folder.
 */
export class LocalStorage implements Storage {
  readonly root: string;
  /** The key of the single file, when the storage is one file. */
  private readonly onlyKey: string | undefined;
  /** Folders this storage has made: a run writes thousands of objects into a few hundred folders. */
  private readonly madeFolders = new Set<string>();

  constructor(
    private readonly dir: string,
    onlyFile?: string,
  ) {
    this.root = onlyFile === undefined ? dir : join(dir, onlyFile);
    // A file named the way flowlake encodes keys stands for its key; any other name is its own key.
    this.onlyKey = onlyFile === undefined ? undefined : isEncodedName(onlyFile) ? decodeSegment(onlyFile) : onlyFile;
  }

  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    if (this.onlyKey !== undefined) {
      const info = await this.stat(this.onlyKey);
      if (info) yield info;
      return;
    }
    const prefixes = options.prefixes?.length ? options.prefixes : [''];
    for (const prefix of prefixes) {
      // Walk the folder the prefix names (its part up to the last `/`); the rest filters names.
      const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      const start = folder === '' ? this.dir : this.path(folder.slice(0, -1));
      for await (const path of walk(start)) {
        const key = segmentsToKey(relative(this.dir, path).split(sep));
        if (!key.startsWith(prefix)) continue;
        const info = await this.stat(key, path);
        if (info) yield info;
      }
    }
  }

  private async stat(key: string, path = this.path(key)): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      return { key, size: s.size, etag: `${s.size}-${Math.trunc(s.mtimeMs)}` };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Local files are read as they are now; `etag` (size + mtime) is not checked. */
  async openRead(key: string, options?: ReadOptions): Promise<Readable> {
    // A small file is read with a buffer its size (+1 to see the end in the same read), not 256 KiB.
    const highWaterMark = Math.min(256 * 1024, Math.max(16 * 1024, (options?.size ?? Number.POSITIVE_INFINITY) + 1));
    const stream = createReadStream(this.path(key), { highWaterMark });
    // Surface a missing file as a rejected promise rather than a later stream error.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  writeAtomic(key: string, _options?: WriteOptions): AtomicWrite {
    const finalPath = this.path(key);
    const tempPath = tempPathFor(finalPath);
    // Synchronous mkdir keeps this a plain fs stream (once per folder).
    const folder = dirname(finalPath);
    if (!this.madeFolders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.remember(folder);
    }
    const stream = createWriteStream(tempPath, { highWaterMark: 1024 * 1024 });
    let settled = false;
    return {
      stream,
      async commit() {
        await finished(stream);
        await rename(tempPath, finalPath);
        settled = true;
      },
      async abort() {
        if (settled) return;
        settled = true;
        stream.destroy();
        await rm(tempPath, { force: true });
      },
    };
  }

  async writeSmall(key: string, body: string | Buffer, _options?: WriteOptions): Promise<void> {
    const finalPath = this.path(key);
    const folder = dirname(finalPath);
    if (!this.madeFolders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.remember(folder);
    }
    const tempPath = tempPathFor(finalPath);
    await writeFile(tempPath, body);
    await rename(tempPath, finalPath);
  }

  private remember(folder: string): void {
    if (this.madeFolders.size >= MAX_REMEMBERED_FOLDERS) this.madeFolders.clear();
    this.madeFolders.add(folder);
  }

  /** The one place a key becomes a path: always inside `dir`, whatever the key holds. */
  private path(key: string): string {
    if (key === this.onlyKey) return this.root;
    return join(this.dir, ...keyToSegments(key));
  }
}

/** Files under `dir` in key order, yielded as found: a run starts converting before the walk ends. */
async function* walk(dir: string): AsyncGenerator<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** Unique per process (random) and per write (a counter): no random bytes drawn per object. */
const TEMP_TAG = randomBytes(4).toString('hex');
let tempCount = 0;

function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `${TEMP_PREFIX}${basename(finalPath)}.${TEMP_TAG}${(tempCount++).toString(36)}`);
}
