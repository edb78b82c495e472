import type { Storage } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { dayId, type LakeDay, parseCompactedKey, parseRecentKey } from './lake-keys.js';

/**
 * The lake's state: one small CSV object per compacted day, flat under `lake-state/`, that says which compacted
 * generation of the day is live and which of the day's files are retired (replaced by a compaction, waiting to
 * be deleted). Publishing a day's compaction is one atomic write of its object (a rename locally, a PUT on S3),
 * read alike by flowlake and by Athena (a table over `lake-state/`, joined by the `flows` view): a reader sees
 * the day before or after, never half of it. One object per day lets compactions of different days (Lambda
 * functions of one Distributed Map) publish at once without overwriting each other.
 *
 * Rows (RFC 4180, header first; every row names its day):
 *   generation,<account>,<region>,<YYYYMMDD>,<generation, or empty before the first publish>,,
 *   retired,<account>,<region>,<YYYYMMDD>,,<key>,<delete after: ISO time>
 */
export const STATE_PREFIX = 'lake-state/';
const HEADER = 'kind,account,region,day,generation,path,delete_after';
const READS_AT_ONCE = 16;

/** One day's state. A day has one from just before its first compacted file is written. */
export interface DayState {
  readonly day: LakeDay;
  /** The live generation; undefined while the day's first compaction has not published. */
  generation: string | undefined;
  /** The day's retired keys and when they may be deleted (ms). */
  readonly retired: Map<string, number>;
}

export interface LakeState {
  /** Days that have a state object, by `dayId`. */
  readonly days: Map<string, DayState>;
}

export class LakeStateError extends Error {
  override readonly name = 'LakeStateError';
}

export function emptyState(): LakeState {
  return { days: new Map() };
}

export function emptyDayState(day: LakeDay): DayState {
  return { day: { account: day.account, region: day.region, day: day.day }, generation: undefined, retired: new Map() };
}

export function dayStateKey(day: LakeDay): string {
  return `${STATE_PREFIX}${day.account}_${day.region}_${day.day}.csv`;
}

/** The live generation of a day, if it has one. */
export function liveGeneration(state: LakeState, day: LakeDay): string | undefined {
  return state.days.get(dayId(day))?.generation;
}

/** Whether a data file has been retired by its day's compaction. */
export function isRetired(state: LakeState, key: string): boolean {
  const day = parseRecentKey(key) ?? parseCompactedKey(key);
  return day !== undefined && (state.days.get(dayId(day))?.retired.has(key) ?? false);
}

/** Every day's state object, read in parallel. */
export async function readState(dest: Storage): Promise<LakeState> {
  const keys: string[] = [];
  for await (const info of dest.list({ prefixes: [STATE_PREFIX] })) {
    if (info.key.endsWith('.csv') && !info.key.slice(STATE_PREFIX.length).includes('/')) keys.push(info.key);
  }
  const state = emptyState();
  await forEachLimit(keys, READS_AT_ONCE, async (key) => {
    const body = await dest.readSmall(key);
    if (body === undefined) return; // removed meanwhile (a day rewritten by hand)
    const day = parseDayState(body.toString('utf8'), `${dest.root}/${key}`);
    state.days.set(dayId(day.day), day);
  });
  return state;
}

/** One day's state as it is in the lake now (undefined: the day has none). */
export async function readDayState(dest: Storage, day: LakeDay): Promise<DayState | undefined> {
  const key = dayStateKey(day);
  const body = await dest.readSmall(key);
  return body === undefined ? undefined : parseDayState(body.toString('utf8'), `${dest.root}/${key}`);
}

export async function writeDayState(dest: Storage, day: DayState): Promise<void> {
  await dest.writeSmall(dayStateKey(day.day), serializeDayState(day), { contentType: 'text/csv' });
}

export function parseDayState(text: string, where: string): DayState {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== HEADER) throw new LakeStateError(`${where}: not a flowlake lake state (header "${lines[0]}")`);
  let state: DayState | undefined;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split(',');
    if (cells.length !== 7) throw new LakeStateError(`${where}: line ${i + 1} has ${cells.length} cells, not 7`);
    const [kind, account, region, day, generation, path, deleteAfter] = cells;
    if (!account || !region || !/^\d{8}$/.test(day)) {
      throw new LakeStateError(`${where}: line ${i + 1} does not name its day`);
    }
    state ??= emptyDayState({ account, region, day });
    if (dayId(state.day) !== dayId({ account, region, day })) {
      throw new LakeStateError(`${where}: line ${i + 1} is of another day than line 2`);
    }
    if (kind === 'generation' && path === '' && deleteAfter === '') {
      state.generation = generation || undefined;
    } else if (kind === 'retired' && path && generation === '') {
      const at = Date.parse(deleteAfter);
      state.retired.set(path, Number.isFinite(at) ? at : 0);
    } else {
      throw new LakeStateError(`${where}: line ${i + 1} is not a generation or a retired file`);
    }
  }
  if (!state) throw new LakeStateError(`${where}: no rows (a day's state names its day)`);
  return state;
}

/**
 * The generation row first, retired rows sorted: the same state is the same bytes. Keys and partition values
 * never hold commas, quotes or line breaks (the lake's own names: see lake-keys.ts), which keeps every cell
 * unquoted, as Athena's CSV SerDe (LazySimpleSerDe) reads it.
 */
export function serializeDayState(state: DayState): string {
  const { account, region, day } = state.day;
  const rows = [...state.retired]
    .map(([path, at]) => ['retired', account, region, day, '', path, new Date(at).toISOString()].map(cell).join(','))
    .sort();
  const generation = ['generation', account, region, day, state.generation ?? '', '', ''].map(cell).join(',');
  return `${[HEADER, generation, ...rows].join('\n')}\n`;
}

/** The whole lake state as one text (readers compare it before and after listing). */
export function stateFingerprint(state: LakeState): string {
  return [...state.days.values()].map(serializeDayState).sort().join('');
}

function cell(value: string): string {
  if (/[",\r\n]/.test(value)) throw new LakeStateError(`"${value}" cannot be a cell of the lake state`);
  return value;
}
