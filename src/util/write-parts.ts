import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes `parts` (a row group's pages, a footer) to `out` as one corked batch, waiting for `drain` when it is
 * full. A stream with `_writev` (the local temp file) takes them in one system call; joining them first with
 * Buffer.concat would copy every byte of the file once more into a fresh allocation.
 */
export async function writeParts(out: Writable, parts: readonly Uint8Array[]): Promise<void> {
  if (parts.length === 0) return;
  out.cork();
  let ok = true;
  for (let i = 0; i < parts.length; i++) ok = out.write(parts[i]);
  out.uncork();
  if (!ok) await once(out, 'drain');
}
