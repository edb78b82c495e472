import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { decodeSegment, isEncodedName, keyToSegments, segmentsToKey, TEMP_PREFIX } from './key-names.js';
import { readFileRange, readWholeFile, TempFile } from './local-files.js';
import {
  type AtomicWrite,
  type ListOptions,
  ObjectExistsError,
  type ObjectInfo,
  type ReadOptions,
  type Storage,
  type WriteOptions,
} from './types.js';

/**
 * Files up to this size are read whole with synchronous calls; bigger ones stream in. Writes, renames and
 * folders are synchronous too. A local file system call on a small file takes microseconds, while its
 * asynchronous form hands the work to libuv's thread pool and back (two thread switches, a promise): on a run
 * of thousands of small objects that hand-off was most of the file system's cost. (S3 stays asynchronous: its
 * round trips are what the objects in flight overlap.)
 */
const SMALL_FILE_BYTES = 1 << 20;

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
      const info = this.stat(this.onlyKey);
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
        const info = this.stat(key, path);
        if (info) yield info;
      }
    }
  }

  private stat(key: string, path = this.path(key)): ObjectInfo | undefined {
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s?.isFile()) return undefined;
    return { key, size: s.size, etag: `${s.size}-${Math.trunc(s.mtimeMs)}` };
  }

  /** Local files are read as they are now; `etag` (size + mtime) is not checked. */
  async openRead(key: string, options?: ReadOptions): Promise<Readable> {
    const path = this.path(key);
    if (options?.size !== undefined && options.size <= SMALL_FILE_BYTES) {
      // Undefined when the file has grown past the bound since it was listed: then it streams.
      const whole = readWholeFile(path, SMALL_FILE_BYTES);
      if (whole) return Readable.from([whole], { objectMode: false });
    }
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    // Surface a missing file as a rejected promise rather than a later stream error.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return stream;
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    return readFileRange(this.path(key), start, end);
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    return readWholeFile(this.path(key), Number.POSITIVE_INFINITY, { missingIsUndefined: true });
  }

  async exists(key: string): Promise<boolean> {
    return this.stat(key) !== undefined;
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  writeAtomic(key: string, _options?: WriteOptions): AtomicWrite {
    const finalPath = this.path(key);
    const tempPath = tempPathFor(finalPath);
    this.makeFolder(dirname(finalPath));
    const stream = new TempFile(tempPath, finalPath);
    let settled = false;
    return {
      stream,
      async commit() {
        await finished(stream);
        renameSync(tempPath, finalPath);
        settled = true;
      },
      async abort() {
        if (settled) return;
        settled = true;
        stream.destroy();
        rmSync(tempPath, { force: true });
      },
    };
  }

  async writeSmall(key: string, body: string | Buffer, options?: WriteOptions): Promise<void> {
    const finalPath = this.path(key);
    this.makeFolder(dirname(finalPath));
    if (options?.ifNoneMatch === '*') {
      // Created exclusively in place (a rename would replace a file made meanwhile); small bodies land whole.
      try {
        writeFileSync(finalPath, body, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ObjectExistsError(`${key} exists`);
        throw err;
      }
      return;
    }
    const tempPath = tempPathFor(finalPath);
    try {
      writeFileSync(tempPath, body);
      renameSync(tempPath, finalPath);
    } catch (err) {
      rmSync(tempPath, { force: true });
      throw err;
    }
  }

  /** `mkdir -p` once per folder: a run writes thousands of objects into a few hundred folders. */
  private makeFolder(folder: string): void {
    if (this.madeFolders.has(folder)) return;
    mkdirSync(folder, { recursive: true });
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
