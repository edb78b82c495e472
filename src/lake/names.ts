import { randomBytes } from 'node:crypto';
import { type HivePartition, hiveKey, hivePrefix } from '../layout/hive.js';
import { mirrorKey, stripGz } from '../layout/mirror.js';
import { ocsfPrefix } from '../layout/ocsf.js';
import type { ConvertOptions } from './options.js';
import type { OutputNamer } from './output-router.js';

/** A file that continues its group after the group's first file was closed early: `name-1.parquet`, … */
function withSerial(key: string, ext: string, serial: number): string {
  return serial === 0 ? key : `${key.slice(0, key.length - ext.length)}-${serial}${ext}`;
}

/** The names of one source object's own files (mirror layout, or hive for an object too big to share files). */
export function objectOutputNamer(
  sourceKey: string,
  options: Pick<ConvertOptions, 'layout' | 'sourceVersion'>,
): OutputNamer {
  return ({ partition, formatKey, ext, serial }) => {
    if (partition && options.layout === 'ocsf') {
      const name = stripGz(sourceKey.slice(sourceKey.lastIndexOf('/') + 1));
      const file = formatKey === '' ? `${name}${ext}` : `${name}.${formatKey}${ext}`;
      return withSerial(`${ocsfPrefix(partition, options.sourceVersion)}/${file}`, ext, serial);
    }
    return withSerial(
      partition && options.layout === 'hive'
        ? hiveKey(sourceKey, partition, ext, formatKey)
        : mirrorKey(sourceKey, ext, formatKey),
      ext,
      serial,
    );
  };
}

/** The folder of a partition in a lake layout. */
export function partitionPrefix(
  partition: HivePartition,
  options: Pick<ConvertOptions, 'layout' | 'sourceVersion'>,
): string {
  return options.layout === 'ocsf' ? ocsfPrefix(partition, options.sourceVersion) : hivePrefix(partition);
}

/**
 * The names of files many objects share (the lake's coalesced writes): `<partition>/<base>.<ext>`, where base
 * names the run, its lane and checkpoint (`20261203T112716Z-3f9a1c-0-2`) or a Lambda batch.
 */
export function sharedOutputNamer(
  base: string,
  options: Pick<ConvertOptions, 'layout' | 'sourceVersion'> = { layout: 'hive' },
): OutputNamer {
  return ({ partition, formatKey, ext, serial }) => {
    if (!partition) throw new Error('internal: shared outputs are partitioned');
    const file = formatKey === '' ? `${base}${ext}` : `${base}.${formatKey}${ext}`;
    return withSerial(`${partitionPrefix(partition, options)}/${file}`, ext, serial);
  };
}

/** A run's name in its files: its start time and a random tag (`20261203T112716Z-3f9a1c`), sortable by time. */
export function runNameAt(startedAt: Date): string {
  return `${timeStamp(startedAt)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A Lambda invocation's name in its files: its start time and its request id (`20261203T112716Z-<request id>`),
 * so that invocations writing at once never share a file name (a retried asynchronous invocation keeps its
 * request id, but starts minutes later), and a file leads to its invocation's log; a run's name without one.
 */
export function invocationNameAt(startedAt: Date, requestId: string | undefined): string {
  const id = requestId?.toLowerCase().replace(/[^a-z0-9-]/g, '');
  return id ? `${timeStamp(startedAt)}-${id}` : runNameAt(startedAt);
}

/** `20261203T112716Z`: lake-keys.ts tells the lake's own names by it. */
function timeStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
