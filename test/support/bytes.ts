import { createCipheriv, createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** Deterministic pseudo-random bytes (same seed, same bytes) that do not compress: AES-CTR over zeros. */
export function seededBytes(length: number, seed: number): Buffer {
  const key = createHash('sha256').update(`seed:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Runs tasks with at most `limit` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
