import type { InputShape } from '../decode/types.js';

export type { ConvertOptions, LayoutName } from '../lake/options.js';

import type { ConvertOptions } from '../lake/options.js';

export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = { to: ['csv'], layout: 'mirror' };

export type ObjectStatus = 'converted' | 'skipped' | 'failed';

/** What happened to one source object. */
export interface ObjectResult {
  readonly key: string;
  readonly status: ObjectStatus;
  /** Why it failed: names what is wrong and where. */
  readonly error?: string;
  readonly shape?: InputShape;
  readonly rows: number;
  /** Rejected rows by reason (`token count 13, format has 14`…); they are kept in the rejects file. */
  readonly rejected: Readonly<Record<string, number>>;
  readonly controlMessages: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Output keys relative to the destination root. */
  readonly outputs: readonly string[];
  readonly warnings: readonly string[];
  readonly seconds: number;
  /** `--to ocsf`: rows whose account is not an AWS account (`unknown`, `-`), written under `accountId=external`. */
  readonly externalAccountRows?: number;
  /**
   * Its rows are in the lane's shared files, not yet published: the lane's next checkpoint does that and gives
   * the final result. Never set in a report.
   */
  readonly staged?: boolean;
}

/** The JSON written by `--report` and by the backfill summary. */
export interface RunReport {
  readonly tool: 'flowlake';
  readonly version: string;
  readonly source: string;
  readonly destination: string;
  readonly startedAt: string;
  readonly seconds: number;
  readonly objects: {
    readonly total: number;
    readonly converted: number;
    readonly skipped: number;
    readonly failed: number;
  };
  readonly rows: number;
  readonly rejectedRows: number;
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly controlMessages: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** `--to ocsf`: rows written under `accountId=external` (their account is `unknown`, `-` or not an AWS id). */
  readonly externalAccountRows?: number;
  readonly failures: ReadonlyArray<{ readonly key: string; readonly error: string }>;
  readonly warnings: readonly string[];
  /**
   * Per-object results, sorted by key. A library run keeps the first `keepResults` (default 10,000) in memory;
   * the report file (`--report`) holds every one. `failures` is bounded the same way.
   */
  readonly results: readonly ObjectResult[];
  /** Results left out of `results` (and failures out of `failures`) to keep memory flat; absent when none. */
  readonly resultsOmitted?: number;
}

/** Progress a conversion reports while it streams (bytes of the source read so far, rows written). */
export interface ProgressTick {
  readonly bytesIn: number;
  readonly rows: number;
}
