import { createGzip } from 'node:zlib';
import type { AtomicWrite, Storage } from '../storage/types.js';

/** Where the rows that could not be converted of `sourceKey` are kept (Athena skips `_` folders). */
export function rejectsKey(sourceKey: string): string {
  return `_flowlake/rejects/${sourceKey}.rejects.jsonl.gz`;
}

/** How much of a rejected record is kept: enough to see what it is, never a whole hostile line. */
export const REJECT_KEEP_BYTES = 4096;

export interface RejectEntry {
  readonly reason: string;
  /** The record, or its first REJECT_KEEP_BYTES bytes (cut at a character boundary) when `truncated`. */
  readonly record: string;
  /** The record's length in UTF-8 bytes, when it was truncated. */
  readonly length?: number;
  readonly truncated?: true;
}

/** One line of a rejects file: `{"reason","record"}`, plus `"length"` and `"truncated": true` for a long record. */
export function rejectEntry(reason: string, text: string): RejectEntry {
  if (text.length <= REJECT_KEEP_BYTES / 3) return { reason, record: text };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= REJECT_KEEP_BYTES) return { reason, record: text };
  // Back off to the first byte of a UTF-8 character, so the kept text does not end in half a character.
  let end = REJECT_KEEP_BYTES;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { reason, record: bytes.toString('utf8', 0, end), length: bytes.length, truncated: true };
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
    this.gzip.write(`${JSON.stringify(rejectEntry(reason, text))}\n`);
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
