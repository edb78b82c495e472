import type { CompressionName } from '../encode/parquet/codecs.js';
import type { OutputKind } from '../encode/types.js';

export type LayoutName = 'mirror' | 'hive';

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
}
