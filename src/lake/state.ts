import type { Storage } from '../storage/types.js';
import { dayId, type LakeDay } from './lake-keys.js';

/**
 * The lake's state: one small CSV object that says which compacted generation of each day is live and which
 * files are retired (replaced by a compaction, waiting to be deleted). Publishing a compaction is one atomic
 * write of this object (a rename locally, a PUT on S3), read alike by flowlake and by Athena (a table over
 * `lake-state/`, joined by the `flows` view): a reader sees the day before or after, never half of it.
 *
 * Rows (RFC 4180, header first):
 *   generation,<account>,<region>,<YYYYMMDD>,<generation>,
 *   retired,,,,,<key>,<delete after: ISO time>
 */
export const STATE_KEY = 'lake-state/state.csv';
const HEADER = 'kind,account,region,day,generation,path,delete_after';

export interface LakeState {
  /** Live generation per day (`dayId`). */
  readonly generations: Map<string, { readonly day: LakeDay; readonly generation: string }>;
  /** Retired keys and when they may be deleted (ms). */
  readonly retired: Map<string, number>;
  /** Whether the state was read from the lake (false: the lake has never had one). */
  stored: boolean;
}

export function emptyState(): LakeState {
  return { generations: new Map(), retired: new Map(), stored: false };
}

export class LakeStateError extends Error {
  override readonly name = 'LakeStateError';
}

export async function readState(dest: Storage): Promise<LakeState> {
  const body = await dest.readSmall(STATE_KEY);
  return body === undefined ? emptyState() : parseState(body.toString('utf8'), `${dest.root}/${STATE_KEY}`);
}

export async function writeState(dest: Storage, state: LakeState): Promise<void> {
  await dest.writeSmall(STATE_KEY, serializeState(state), { contentType: 'text/csv' });
  state.stored = true;
}

export function parseState(text: string, where: string): LakeState {
  const state = emptyState();
  state.stored = true;
  const lines = text.split(/\r?\n/);
  if (lines[0] !== HEADER) throw new LakeStateError(`${where}: not a flowlake lake state (header "${lines[0]}")`);
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const cells = lines[i].split(',');
    const [kind, account, region, day, generation, path, deleteAfter] = cells;
    if (cells.length !== 7) throw new LakeStateError(`${where}: line ${i + 1} has ${cells.length} cells, not 7`);
    if (kind === 'generation' && account && region && /^\d{8}$/.test(day) && generation) {
      const d = { account, region, day };
      state.generations.set(dayId(d), { day: d, generation });
    } else if (kind === 'retired' && path) {
      const at = Date.parse(deleteAfter);
      state.retired.set(path, Number.isFinite(at) ? at : 0);
    } else {
      throw new LakeStateError(`${where}: line ${i + 1} is not a generation or a retired file`);
    }
  }
  return state;
}

/**
 * Rows sorted, so that the same state is the same bytes. Keys and partition values never hold commas, quotes or
 * line breaks (the lake's own names: see lake-keys.ts), which keeps every cell unquoted, as Athena's CSV SerDe
 * (LazySimpleSerDe) reads it.
 */
export function serializeState(state: LakeState): string {
  const rows: string[] = [];
  for (const { day, generation } of state.generations.values()) {
    rows.push(['generation', day.account, day.region, day.day, generation, '', ''].map(cell).join(','));
  }
  for (const [path, at] of state.retired) {
    rows.push(['retired', '', '', '', '', path, new Date(at).toISOString()].map(cell).join(','));
  }
  rows.sort();
  return `${[HEADER, ...rows].join('\n')}\n`;
}

function cell(value: string): string {
  if (/[",\r\n]/.test(value)) throw new LakeStateError(`"${value}" cannot be a cell of the lake state`);
  return value;
}
