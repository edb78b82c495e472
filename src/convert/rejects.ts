import { createGzip } from 'node:zlib';
import type { AtomicWrite, Storage } from '../storage/types.js';

/** Where the rows that could not be converted of `sourceKey` are kept (Athena skips `_` folders). */
export function rejectsKey(sourceKey: string): string {
  return `_flowlake/rejects/${sourceKey}.rejects.jsonl.gz`;
}

/** Counts rejected rows by reason and keeps each one, with its reason, in a gzipped JSON Lines file. */
export class RejectsSink {
  readonly byReason = new Map<string, number>();
  private write: AtomicWrite | undefined;
  private gzip: ReturnType<typeof createGzip> | undefined;

  constructor(
    private readonly dest: Storage,
    private readonly sourceKey: string,
  ) {}

  get total(): number {
    let n = 0;
    for (const c of this.byReason.values()) n += c;
    return n;
  }

  get key(): string | undefined {
    return this.write ? rejectsKey(this.sourceKey) : undefined;
  }

  reject(reason: string, text: string): void {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    if (!this.gzip) {
      this.write = this.dest.writeAtomic(rejectsKey(this.sourceKey), { contentType: 'application/x-ndjson' });
      this.gzip = createGzip();
      this.gzip.pipe(this.write.stream);
    }
    // Rejects are rare; zlib buffers them, so no backpressure wait is needed per line.
    this.gzip.write(`${JSON.stringify({ reason, record: text })}\n`);
  }

  async commit(): Promise<void> {
    if (!this.gzip || !this.write) return;
    this.gzip.end();
    await this.write.commit();
  }

  async abort(): Promise<void> {
    this.gzip?.destroy();
    await this.write?.abort();
  }
}
