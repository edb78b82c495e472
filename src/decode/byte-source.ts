/**
 * Pull-based reading of a byte stream with look-ahead: the decoder sniffs the first bytes of each layer
 * before deciding how to read the rest.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Buffer>;
  private head: Buffer[] = [];
  private done = false;

  constructor(input: AsyncIterable<Buffer | Uint8Array | string>) {
    const inner = input[Symbol.asyncIterator]();
    this.iterator = {
      next: async () => {
        const r = await inner.next();
        if (r.done) return r;
        const v = r.value;
        return { done: false, value: typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v) };
      },
      return: async () => {
        await inner.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** Bytes already in memory. */
  static of(bytes: Buffer): ByteSource {
    const source = new ByteSource(EMPTY);
    source.head = [bytes];
    source.done = true;
    return source;
  }

  /** Returns at least `n` bytes from the front (fewer only at the end of the stream) without consuming them. */
  async peek(n: number): Promise<Buffer> {
    await this.readAhead(n);
    return this.joinedHead();
  }

  /**
   * The whole rest of the stream when it is at most `limit` bytes (read ahead, not consumed), else undefined
   * with up to `limit` + one chunk read ahead.
   */
  async peekWhole(limit: number): Promise<Buffer | undefined> {
    const have = await this.readAhead(limit + 1);
    return have > limit ? undefined : this.joinedHead();
  }

  /** Reads chunks into the head until it holds `n` bytes or the stream ends; returns how many it holds. */
  private async readAhead(n: number): Promise<number> {
    let have = this.head.reduce((sum, b) => sum + b.length, 0);
    while (have < n && !this.done) {
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        break;
      }
      this.head.push(r.value);
      have += r.value.length;
    }
    return have;
  }

  private joinedHead(): Buffer {
    if (this.head.length > 1) this.head = [Buffer.concat(this.head)];
    return this.head[0] ?? Buffer.alloc(0);
  }

  /** Iterates the remaining bytes (peeked ones first). */
  async *chunks(): AsyncGenerator<Buffer> {
    const head = this.head;
    this.head = [];
    for (const b of head) if (b.length) yield b;
    while (!this.done) {
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        break;
      }
      if (r.value.length) yield r.value;
    }
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}

const EMPTY: AsyncIterable<Buffer> = {
  [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
};
