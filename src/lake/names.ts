import { randomBytes } from 'node:crypto';
import { hiveKey, hivePrefix } from '../layout/hive.js';
import { mirrorKey } from '../layout/mirror.js';
import type { LayoutName } from './options.js';
import type { OutputNamer } from './output-router.js';

/** A file that continues its group after the group's first file was closed early: `name-1.parquet`, … */
function withSerial(key: string, ext: string, serial: number): string {
  return serial === 0 ? key : `${key.slice(0, key.length - ext.length)}-${serial}${ext}`;
}

/** The names of one source object's own files (mirror layout, or hive for an object too big to share files). */
export function objectOutputNamer(sourceKey: string, layout: LayoutName): OutputNamer {
  return ({ partition, formatKey, ext, serial }) =>
    withSerial(
      partition && layout === 'hive'
        ? hiveKey(sourceKey, partition, ext, formatKey)
        : mirrorKey(sourceKey, ext, formatKey),
      ext,
      serial,
    );
}

/**
 * The names of files many objects share (the lake's coalesced writes): `<partition>/<base>.<ext>`, where base
 * names the run, its lane and checkpoint (`20261203T112716Z-3f9a1c-0-2`) or a Lambda batch.
 */
export function sharedOutputNamer(base: string): OutputNamer {
  return ({ partition, formatKey, ext, serial }) => {
    if (!partition) throw new Error('internal: shared outputs are hive-partitioned');
    const file = formatKey === '' ? `${base}${ext}` : `${base}.${formatKey}${ext}`;
    return withSerial(`${hivePrefix(partition)}/${file}`, ext, serial);
  };
}

/** A run's name in its files: its start time and a random tag (`20261203T112716Z-3f9a1c`), sortable by time. */
export function runNameAt(startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
