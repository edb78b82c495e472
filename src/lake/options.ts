import type { CompressionName } from '../encode/parquet/codecs.js';
import type { OutputKind } from '../encode/types.js';

/**
 * `mirror`: each object's own files beside its path. `hive`: AWS's flow-log Hive layout, the lake. `ocsf`:
 * Amazon Security Lake's custom-source layout (`region=/accountId=/eventDay=`), the layout of `--to ocsf`.
 */
export type LayoutName = 'mirror' | 'hive' | 'ocsf';

/** The layouts whose files many objects share (coalesced writes, completion markers as the lake keeps them). */
export function isLakeLayout(layout: LayoutName): boolean {
  return layout === 'hive' || layout === 'ocsf';
}

/** Converting again into a lake would count the rows it already holds twice: refused, whoever asks. */
export function checkNoForcedLake(options: Pick<ConvertOptions, 'layout' | 'force'>, flag = 'force'): void {
  if (isLakeLayout(options.layout) && options.force) {
    throw new Error(
      `${flag} cannot be used with the ${options.layout} layout: the lake already holds those objects' rows, and converting them again would count them twice (convert into another destination instead)`,
    );
  }
}

/** Everything that decides what one object converts into. Plain data: it crosses worker threads and Lambda. */
export interface ConvertOptions {
  readonly to: readonly OutputKind[];
  readonly layout: LayoutName;
  /** Format of lines with no header and no log-group override (`--fields`); the v2 default when absent. */
  readonly fields?: string;
  /** Per CloudWatch log group formats (`--log-group-format NAME=FORMAT`). */
  readonly logGroupFormats?: Readonly<Record<string, string>>;
  /** Region for the hive layout when rows carry no `region` field. */
  readonly region?: string;
  /** Convert again even when complete outputs for this source version exist (mirror layout only). */
  readonly force?: boolean;
  /** Parquet page codec; zstd where the runtime has it, else Snappy (see encode/parquet/codecs.ts). */
  readonly compression?: CompressionName;
  /** OCSF: the region of records without one (`--flow-region`). */
  readonly flowRegion?: string;
  /** OCSF: the custom source's version, a folder between its location and the partitions (`--source-version`). */
  readonly sourceVersion?: string;
}
