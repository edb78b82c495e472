import { resolveFormat } from '../formats/format.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { VERSION } from '../version.js';
import { type ConvertOptions, isLakeLayout } from './options.js';

/** Written last, after every output of a source object is visible: its presence means "complete". */
export interface CompletionMarker {
  readonly source: { readonly key: string; readonly etag: string; readonly size: number };
  readonly converter: string;
  /** What was asked for: outputs of other options are not "the same" conversion. */
  readonly signature: string;
  readonly outputs: readonly string[];
  readonly rows: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly controlMessages: number;
  readonly completedAt: string;
}

export function markerKey(sourceKey: string): string {
  return `_flowlake/done/${sourceKey}.json`;
}

/** The options that change what a conversion produces, with formats resolved so that `v2` equals the default. */
export function optionsSignature(options: ConvertOptions): string {
  const groups = Object.entries(options.logGroupFormats ?? {})
    .map(([group, spec]) => [group, resolveFormat(spec).text])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify({
    to: [...new Set(options.to)].sort(),
    layout: options.layout,
    fields: resolveFormat(options.fields).text,
    logGroupFormats: groups,
    region: options.layout === 'hive' ? (options.region ?? null) : null,
    ...(options.layout === 'ocsf'
      ? { flowRegion: options.flowRegion ?? null, sourceVersion: options.sourceVersion ?? null }
      : {}),
  });
}

export interface EarlierConversion {
  readonly marker: CompletionMarker;
  /** Why it counts as done although it differs from what was asked now (the lake's rule, below). */
  readonly warning?: string;
}

/**
 * The marker of a complete earlier conversion of this very source version, if any.
 *
 * Mirror layout: the same options, the same converter version and every output still there; anything else
 * converts again (each object's files are its own, so converting again overwrites them).
 *
 * Hive layout (the lake): an object's rows live in files shared with other objects, and compaction moves them,
 * so converting an object again would count its rows twice. Its marker alone says it is done — with other
 * options or another converter version too (with a warning) — and a source that changed since is an error.
 */
export async function findCompleteConversion(
  dest: Storage,
  object: ObjectInfo,
  options: ConvertOptions,
): Promise<EarlierConversion | undefined> {
  const raw = await dest.readSmall(markerKey(object.key));
  if (!raw) return undefined;
  let marker: CompletionMarker;
  try {
    marker = JSON.parse(raw.toString('utf8')) as CompletionMarker;
  } catch {
    if (isLakeLayout(options.layout)) throw new ChangedSourceError('its completion marker is unreadable');
    return undefined; // unreadable marker: convert again
  }
  if (isLakeLayout(options.layout)) {
    if (marker.source?.etag !== object.etag) {
      throw new ChangedSourceError(
        `it changed since it was converted (${marker.completedAt ?? 'earlier'}): its earlier rows are in the lake, so converting it again would count rows twice; convert it into another destination`,
      );
    }
    const same = marker.signature === optionsSignature(options);
    return same ? { marker } : { marker, warning: 'already in the lake, converted with other options: kept as it is' };
  }
  if (marker.source?.etag !== object.etag || marker.signature !== optionsSignature(options)) return undefined;
  if (marker.converter !== VERSION) return undefined;
  for (const key of marker.outputs) if (!(await dest.exists(key))) return undefined;
  return { marker };
}

/** A source object the lake already holds in another version (or whose marker is unreadable). */
export class ChangedSourceError extends Error {
  override readonly name = 'ChangedSourceError';
}
