import type { Grain } from './grain.js';
import type { JsonValue } from './session.js';

/** Everything a report page shows, gathered from the flows before any HTML is made (plain data, testable). */
export interface ReportData {
  /** What the source was (a folder, a stash, an S3 prefix). */
  readonly source: string;
  /** When the page was made (ISO-8601 UTC). */
  readonly generatedAt: string;
  /** The --since / --until window, as given. */
  readonly since?: string;
  readonly until?: string;
  readonly totals: Totals;
  /** Null when the flows have no `start` column, or no record has one. */
  readonly timeline: Timeline | null;
  readonly topTalkers: readonly Bar[];
  readonly topPorts: readonly Bar[];
  readonly coverage: CoverageMap | null;
  readonly hunts: readonly HuntSection[];
}

export interface Totals {
  readonly records: number;
  /** Null when the flows have no such column. */
  readonly bytes: number | null;
  readonly accepted: number | null;
  readonly rejected: number | null;
  readonly nodata: number | null;
  readonly skipdata: number | null;
  readonly interfaces: number | null;
  /** Flow starts of the first and last record (epoch s), null without `start`. */
  readonly firstStart: number | null;
  readonly lastStart: number | null;
}

export interface Timeline {
  readonly grain: Grain;
  /** One point per bucket start (epoch s) and action; buckets with no flow are absent. */
  readonly points: readonly { t: number; action: string; flows: number; bytes: number }[];
}

export interface Bar {
  readonly label: string;
  readonly bytes: number;
  readonly flows: number;
}

export interface CoverageMap {
  readonly grain: Grain;
  /** Bucket starts (epoch s) from the first record's bucket to the last's. */
  readonly buckets: readonly number[];
  /** Interfaces shown, those with gaps first. */
  readonly interfaces: readonly string[];
  /** Interfaces left out to keep the map readable. */
  readonly hiddenInterfaces: number;
  /** Cells with records; a (interface, bucket) pair without one had no record delivered at all. */
  readonly cells: readonly { iface: string; t: number; records: number; nodata: number; skipdata: number }[];
}

/** Whether a hunt's findings point at an incident (shown first) or describe the traffic (shown after the overview). */
export type HuntKind = 'alert' | 'context';

export interface HuntSection {
  readonly name: string;
  readonly summary: string;
  readonly ranking: string;
  readonly kind: HuntKind;
  /** Why the hunt did not run (missing columns, no address list), or its error. */
  readonly skipped?: string;
  readonly columns: readonly { name: string; type: string }[];
  readonly findings: readonly Record<string, JsonValue>[];
  /** More findings exist than are shown. */
  readonly more: boolean;
  /** What the activity charts count. */
  readonly metric: 'flows' | 'bytes';
  /** Per finding (same order): its activity per bucket of the timeline's grain, or null when it has none. */
  readonly activity: readonly (ActivitySeries | null)[];
}

export interface ActivitySeries {
  readonly grain: Grain;
  readonly measure: 'flows' | 'bytes';
  /** Buckets (epoch s) where the finding had activity, with its flows or bytes there. */
  readonly points: readonly { t: number; value: number }[];
}
