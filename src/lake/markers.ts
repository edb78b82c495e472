import { resolveFormat } from '../formats/format.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { VERSION } from '../version.js';
import type { ConvertOptions } from './types.js';

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
  });
}

/** The marker of a complete earlier conversion of this very source version with these options, if any. */
export async function findCompleteConversion(
  dest: Storage,
  object: ObjectInfo,
  options: ConvertOptions,
): Promise<CompletionMarker | undefined> {
  const raw = await dest.readSmall(markerKey(object.key));
  if (!raw) return undefined;
  let marker: CompletionMarker;
  try {
    marker = JSON.parse(raw.toString('utf8')) as CompletionMarker;
  } catch {
    return undefined; // unreadable marker: convert again
  }
  if (marker.source?.etag !== object.etag || marker.signature !== optionsSignature(options)) return undefined;
  if (marker.converter !== VERSION) return undefined;
  for (const key of marker.outputs) if (!(await dest.exists(key))) return undefined;
  return marker;
}
