import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LocalStorage } from './local.js';
import type { Storage, StorageOptions } from './types.js';

export type { AtomicWrite, ListOptions, ObjectInfo, Storage, StorageOptions, WriteOptions } from './types.js';

/** Parses `s3://bucket/prefix` into its parts; undefined for anything else. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1], prefix: m[2] };
}

/**
 * Opens a folder, a single file or an `s3://bucket/prefix` as Storage. The AWS SDK is loaded only for S3
 * (importing it costs ~0.4 s of CPU per thread, which local runs need not pay).
 */
export async function openStorage(url: string, options: StorageOptions = {}): Promise<Storage> {
  const s3 = parseS3Url(url);
  if (s3) {
    const { S3Storage } = await import('./s3.js');
    return new S3Storage(s3.bucket, s3.prefix, options);
  }
  const path = resolve(url);
  if (isFile(path)) return new LocalStorage(dirname(path), basename(path));
  return new LocalStorage(path);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
