import type { FlowFormat } from '../formats/format.js';
import { nthToken } from '../formats/tokens.js';
import { stripGz } from './mirror.js';

/** The partition values of one row in AWS's Hive-compatible flow-log layout. */
export interface HivePartition {
  readonly account: string;
  readonly region: string;
  /** `year=YYYY/month=MM/day=DD/hour=HH` */
  readonly hour: string;
}

/** Folder of a partition: `AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/hour=…`. */
export function hivePrefix(p: HivePartition): string {
  return `AWSLogs/aws-account-id=${p.account}/aws-service=vpcflowlogs/aws-region=${p.region}/${p.hour}`;
}

/** The output key of one partition of a source object: the input's file name (without `.gz`) plus the extension. */
export function hiveKey(sourceKey: string, partition: HivePartition, ext: string, formatKey: string): string {
  const name = stripGz(sourceKey.slice(sourceKey.lastIndexOf('/') + 1));
  const file = formatKey === '' ? `${name}${ext}` : `${name}.${formatKey}${ext}`;
  return `${hivePrefix(partition)}/${file}`;
}

const UNKNOWN_HOUR = 'year=unknown/month=unknown/day=unknown/hour=unknown';
const HOUR_MS = 3_600_000;

export function hourPath(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return UNKNOWN_HOUR;
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) return UNKNOWN_HOUR; // years beyond 9999 have no place in a four-digit year=
  return `year=${iso.slice(0, 4)}/month=${iso.slice(5, 7)}/day=${iso.slice(8, 10)}/hour=${iso.slice(11, 13)}`;
}

/** Picks the partition columns out of rows, once per format. */
export class HivePartitioner {
  private readonly accountIndex: number;
  private readonly regionIndex: number;
  /** The last partition returned, and what it was made of: consecutive rows nearly always share it. */
  private last: HivePartition | undefined;
  private lastAccount = '';
  private lastRegion = '';
  private lastHour = Number.NaN;

  constructor(
    private readonly format: FlowFormat,
    private readonly defaultRegion: string,
  ) {
    const names = format.fields.map((f) => f.name);
    this.accountIndex = names.indexOf('account-id');
    this.regionIndex = names.indexOf('region');
  }

  /** `tokens` are the row's values; `timeMs` the row time (start, else the event time). */
  partitionOf(tokens: readonly string[], timeMs: number): HivePartition {
    const account = this.accountIndex >= 0 ? tokens[this.accountIndex] : undefined;
    const region = this.regionIndex >= 0 ? tokens[this.regionIndex] : undefined;
    return {
      account: account && account !== '-' ? account : 'unknown',
      region: region && region !== '-' ? region : this.defaultRegion,
      hour: hourPath(timeMs),
    };
  }

  get startIndex(): number {
    return this.format.startIndex;
  }

  /**
   * The partition of one line (its values space-separated) whose event time is `eventMs` (NaN when the input
   * has none): account, region and the UTC hour of `start` (else of the event time). Reads only those three
   * values of the line, and returns the same object for rows of the same partition.
   */
  partitionOfLine(line: string, eventMs: number): HivePartition {
    const account = this.accountIndex >= 0 ? (nthToken(line, this.accountIndex) ?? '') : '-';
    const region = this.regionIndex >= 0 ? (nthToken(line, this.regionIndex) ?? '') : '-';
    const start = this.format.startIndex >= 0 ? (nthToken(line, this.format.startIndex) ?? '') : '';
    const ms = /^\d{1,15}$/.test(start) ? Number(start) * 1000 : eventMs;
    const hour = Number.isFinite(ms) ? Math.floor(ms / HOUR_MS) : Number.NaN;
    const last = this.last;
    if (
      last !== undefined &&
      account === this.lastAccount &&
      region === this.lastRegion &&
      (hour === this.lastHour || (Number.isNaN(hour) && Number.isNaN(this.lastHour)))
    ) {
      return last;
    }
    const partition = this.partitionOf(
      this.accountIndex >= 0 || this.regionIndex >= 0
        ? tokensFor(this.accountIndex, account, this.regionIndex, region)
        : [],
      Number.isNaN(hour) ? Number.NaN : hour * HOUR_MS,
    );
    this.last = partition;
    this.lastAccount = account;
    this.lastRegion = region;
    this.lastHour = hour;
    return partition;
  }
}

/** A sparse token array holding just the account and region at their indexes (what partitionOf reads). */
function tokensFor(accountIndex: number, account: string, regionIndex: number, region: string): string[] {
  const tokens: string[] = [];
  if (accountIndex >= 0) tokens[accountIndex] = account;
  if (regionIndex >= 0) tokens[regionIndex] = region;
  return tokens;
}
