/**
 * Where the lake's data files live, and what their names say (DESIGN §10):
 *
 * - recent files, as convert writes them:
 *   `AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/year=Y/month=M/day=D/hour=H/<name>.<ext>`
 * - compacted files, one generation per day:
 *   `compacted/AWSLogs/aws-account-id=A/aws-service=vpcflowlogs/aws-region=R/year=Y/month=M/day=D/<gen>-<n>.parquet`
 *
 * Compacted days sit under their own root so that an engine's table over the recent files (hourly partitions)
 * never reads them, and the other way round.
 */

export const COMPACTED_ROOT = 'compacted/';
/** Where convert writes the recent (hourly) files. */
export const RECENT_ROOT = 'AWSLogs/';

/** One account, region and UTC day of the lake: the unit compaction works on. */
export interface LakeDay {
  readonly account: string;
  readonly region: string;
  /** `YYYYMMDD` */
  readonly day: string;
}

export interface RecentFile extends LakeDay {
  readonly key: string;
  readonly hour: string;
  /** The file name's format group: '' for the default format, else the log group's slug. */
  readonly formatKey: string;
}

export interface CompactedFile extends LakeDay {
  readonly key: string;
  readonly generation: string;
  readonly formatKey: string;
}

const PARTITIONS =
  /^AWSLogs\/aws-account-id=([^/]+)\/aws-service=vpcflowlogs\/aws-region=([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//;
const HOUR = /^hour=(\d{2})\/([^/]+)$/;
/** `<gen>-<n>.parquet` or `<gen>.<formatKey>-<n>.parquet`; a generation is a run name (see runNameAt). */
const COMPACTED_NAME = /^(\d{8}T\d{6}Z-[0-9a-f]{6})(?:\.([^/.]+))?-(\d+)\.parquet$/;

/** A recent Parquet file of the lake, or undefined for any other key (another kind, an unknown hour, …). */
export function parseRecentKey(key: string): RecentFile | undefined {
  const m = PARTITIONS.exec(key);
  if (!m) return undefined;
  const rest = HOUR.exec(key.slice(m[0].length));
  if (!rest?.[2].endsWith('.parquet')) return undefined;
  return {
    key,
    account: m[1],
    region: m[2],
    day: `${m[3]}${m[4]}${m[5]}`,
    hour: rest[1],
    formatKey: formatKeyOf(rest[2]),
  };
}

export function parseCompactedKey(key: string): CompactedFile | undefined {
  if (!key.startsWith(COMPACTED_ROOT)) return undefined;
  const inner = key.slice(COMPACTED_ROOT.length);
  const m = PARTITIONS.exec(inner);
  if (!m) return undefined;
  const name = COMPACTED_NAME.exec(inner.slice(m[0].length));
  if (!name) return undefined;
  return {
    key,
    account: m[1],
    region: m[2],
    day: `${m[3]}${m[4]}${m[5]}`,
    generation: name[1],
    formatKey: name[2] ?? '',
  };
}

/** `<run>-<lane>-<seq>[.<formatKey>][-<serial>].parquet` (and an object's own `<name>[.<formatKey>].parquet`). */
function formatKeyOf(name: string): string {
  const base = name.slice(0, -'.parquet'.length).replace(/-\d+$/, '');
  const dot = base.lastIndexOf('.');
  // Only the lake's own slugs count (letters, digits, dashes); an object named `a.b` keeps its dots.
  return dot > 0 && /^[a-z0-9-]+$/.test(base.slice(dot + 1)) && /^\d{8}T\d{6}Z-/.test(base) ? base.slice(dot + 1) : '';
}

export function dayId(day: LakeDay): string {
  return `${day.account}/${day.region}/${day.day}`;
}

/** The folder of a day's compacted files. */
export function compactedDayPrefix(day: LakeDay): string {
  const y = day.day.slice(0, 4);
  const m = day.day.slice(4, 6);
  const d = day.day.slice(6, 8);
  return `${COMPACTED_ROOT}AWSLogs/aws-account-id=${day.account}/aws-service=vpcflowlogs/aws-region=${day.region}/year=${y}/month=${m}/day=${d}/`;
}

export function compactedKey(day: LakeDay, generation: string, formatKey: string, n: number): string {
  const group = formatKey === '' ? '' : `.${formatKey}`;
  return `${compactedDayPrefix(day)}${generation}${group}-${n}.parquet`;
}

/** `YYYYMMDD` from `YYYY-MM-DD` or `YYYYMMDD` (a `--since`/`--until` day), or undefined. */
export function parseDay(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 10) === `${m[1]}-${m[2]}-${m[3]}` ? `${m[1]}${m[2]}${m[3]}` : undefined;
}
