import type { FlowFormat } from '../formats/format.js';
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

export function hourPath(ms: number): string {
  if (Number.isNaN(ms)) return 'year=unknown/month=unknown/day=unknown/hour=unknown';
  const iso = new Date(ms).toISOString();
  return `year=${iso.slice(0, 4)}/month=${iso.slice(5, 7)}/day=${iso.slice(8, 10)}/hour=${iso.slice(11, 13)}`;
}

/** Picks the partition columns out of rows, once per format. */
export class HivePartitioner {
  private readonly accountIndex: number;
  private readonly regionIndex: number;

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
}
