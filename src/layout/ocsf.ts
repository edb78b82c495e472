import type { FlowFormat } from '../formats/format.js';
import { nthToken } from '../formats/tokens.js';
import { isExternalAccount } from '../ocsf/map.js';
import type { HivePartition } from './hive.js';

/**
 * Amazon Security Lake's custom-source layout: `region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`
 * under the source's location (and its version, for a versioned source). The partition is carried as a
 * HivePartition whose time part (`hour`) is `eventDay=YYYYMMDD`, so the router and the lake treat both
 * layouts alike.
 */
export function ocsfPrefix(p: HivePartition, sourceVersion?: string): string {
  const path = `region=${p.region}/accountId=${p.account}/${p.hour}`;
  return sourceVersion ? `${sourceVersion}/${path}` : path;
}

const DAY_SECONDS = 86_400;

/** `eventDay=YYYYMMDD` of a time in seconds (UTC). */
export function eventDayPath(seconds: number): string {
  const iso = new Date(Math.floor(seconds / DAY_SECONDS) * DAY_SECONDS * 1000).toISOString();
  return `eventDay=${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
}

/**
 * Picks the Security Lake partition of a line: its region (or `flowRegion` when it has none or `-`), its
 * account (`external` for `unknown`, `-` and other non-AWS ids) and the UTC day of `start`. Lines reach it
 * checked (ocsf/placeable.ts): `start` is a number and a region is known.
 */
export class OcsfPartitioner {
  private readonly accountIndex: number;
  private readonly regionIndex: number;
  private readonly startIndex: number;
  private last: HivePartition | undefined;
  private lastAccount = '';
  private lastRegion = '';
  private lastDay = Number.NaN;

  constructor(
    format: FlowFormat,
    private readonly flowRegion: string | undefined,
  ) {
    const names = format.fields.map((f) => f.name);
    this.accountIndex = names.indexOf('account-id');
    this.regionIndex = names.indexOf('region');
    this.startIndex = format.startIndex;
  }

  partitionOfLine(line: string): HivePartition {
    const account = this.accountIndex >= 0 ? (nthToken(line, this.accountIndex) ?? '-') : '-';
    const own = this.regionIndex >= 0 ? (nthToken(line, this.regionIndex) ?? '-') : '-';
    const start = Number(this.startIndex >= 0 ? nthToken(line, this.startIndex) : Number.NaN);
    const day = Math.floor(start / DAY_SECONDS);
    if (this.last && account === this.lastAccount && own === this.lastRegion && day === this.lastDay) return this.last;
    const region = own === '-' ? (this.flowRegion ?? 'unknown') : own;
    const partition: HivePartition = {
      account: isExternalAccount(account) ? 'external' : account,
      region,
      hour: Number.isFinite(start) ? eventDayPath(start) : 'eventDay=unknown',
    };
    this.last = partition;
    this.lastAccount = account;
    this.lastRegion = own;
    this.lastDay = day;
    return partition;
  }
}
