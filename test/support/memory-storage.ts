/**
 * Storages held in memory, for runs whose listing or writes a test (or benchmark) must control: list() can be
 * made to wait between pages, and the discarding destination keeps nothing, so a run over hundreds of
 * thousands of objects measures the converter rather than the store.
 */
import { Readable, Writable } from 'node:stream';
import type { AtomicWrite, ListOptions, ObjectInfo, Storage } from '../../src/storage/types.js';

/** A source of objects: `body(key)` is asked for on each read, so bodies need not all be held. */
export class MemorySource implements Storage {
  readonly root = 'memory://source';

  constructor(
    private readonly objects: () => AsyncIterable<ObjectInfo> | Iterable<ObjectInfo>,
    private readonly body: (key: string) => Buffer,
  ) {}

  async *list(_options?: ListOptions): AsyncIterable<ObjectInfo> {
    yield* this.objects();
  }

  async openRead(key: string): Promise<Readable> {
    return Readable.from([this.body(key)], { objectMode: false });
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    return this.body(key).subarray(start, end);
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    return this.body(key);
  }

  async exists(): Promise<boolean> {
    return true;
  }

  async remove(): Promise<void> {}

  writeAtomic(): AtomicWrite {
    throw new Error('the source is read-only');
  }

  async writeSmall(): Promise<void> {
    throw new Error('the source is read-only');
  }
}

/** A destination that keeps only the keys committed (or nothing with `keep: false`). */
export class MemoryDestination implements Storage {
  readonly root = 'memory://destination';
  readonly committed = new Map<string, Buffer>();

  constructor(private readonly keep = true) {}

  async *list(): AsyncIterable<ObjectInfo> {}

  async openRead(key: string): Promise<Readable> {
    const body = this.committed.get(key);
    if (!body) throw new Error(`${key}: no such object`);
    return Readable.from([body]);
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const body = this.committed.get(key);
    if (!body) throw new Error(`${key}: no such object`);
    return body.subarray(start, end);
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    return this.committed.get(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.committed.has(key);
  }

  async remove(key: string): Promise<void> {
    this.committed.delete(key);
  }

  writeAtomic(key: string): AtomicWrite {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.keep) chunks.push(chunk);
        callback();
      },
    });
    let done = false;
    return {
      stream,
      commit: async () => {
        if (!stream.writableFinished) await new Promise((resolve) => stream.once('finish', resolve));
        done = true;
        if (this.keep) this.committed.set(key, Buffer.concat(chunks));
      },
      abort: async () => {
        if (!done) stream.destroy();
      },
    };
  }

  async writeSmall(key: string, body: string | Buffer): Promise<void> {
    if (this.keep) this.committed.set(key, Buffer.from(body));
  }
}
