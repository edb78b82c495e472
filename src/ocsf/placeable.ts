import type { EventBatch } from '../decode/types.js';
import { nthToken } from '../formats/tokens.js';
import { isExternalAccount } from './map.js';

/** What keepPlaceable found in a batch besides the rows it kept. */
export interface Placement {
  /** Kept rows whose account is not an AWS account: they go under `accountId=external`. */
  externalAccountRows: number;
}

/** A time in seconds: digits only, below 2^32 (the sort key of encode/ocsf.ts packs it beside a row index). */
const SECONDS = /^\d{1,10}$/;
const isTime = (text: string | undefined): boolean =>
  text !== undefined && SECONDS.test(text) && Number(text) < 2 ** 32;

/**
 * Keeps the lines an OCSF file can hold and place in Security Lake's partitions; the others become rejected
 * rows with their reason: a `start` or `end` that is not a time (never a partition of a made-up day), a record
 * with no region (no `region` value and no --flow-region), a format without `account-id` or `start`.
 * Returns the same batch when every line is kept.
 */
export function keepPlaceable(
  batch: EventBatch,
  flowRegion: string | undefined,
  placement: Placement,
  reject: (reason: string, line: string) => void,
): EventBatch {
  const names = batch.format.fields.map((f) => f.name);
  const accountAt = names.indexOf('account-id');
  const startAt = names.indexOf('start');
  const endAt = names.indexOf('end');
  const regionAt = names.indexOf('region');
  const formatProblem =
    accountAt < 0 ? 'ocsf: the format has no account-id' : startAt < 0 ? 'ocsf: the format has no start' : undefined;
  const reasonOf = (line: string): string | undefined => {
    if (formatProblem) return formatProblem;
    if (!isTime(nthToken(line, startAt))) return 'ocsf: start is not a time';
    if (endAt >= 0 && !isTime(nthToken(line, endAt))) return 'ocsf: end is not a time';
    if (flowRegion === undefined && (regionAt < 0 || nthToken(line, regionAt) === '-')) {
      return 'ocsf: no region (the record has none and no --flow-region)';
    }
    return undefined;
  };
  const kept: string[] = [];
  const timestamps: number[] = [];
  let all = true;
  let lastAccount = '';
  let lastExternal = false;
  for (let i = 0; i < batch.lines.length; i++) {
    const line = batch.lines[i];
    const reason = reasonOf(line);
    if (reason !== undefined) {
      reject(reason, line);
      all = false;
      continue;
    }
    const account = nthToken(line, accountAt) ?? '-';
    if (account !== lastAccount) {
      lastAccount = account;
      lastExternal = isExternalAccount(account);
    }
    if (lastExternal) placement.externalAccountRows++;
    kept.push(line);
    timestamps.push(batch.timestamps[i]);
  }
  return all ? batch : { ...batch, lines: kept, timestamps };
}
