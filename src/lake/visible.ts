import type { Storage } from '../storage/types.js';
import { readCheckpointRecords } from './checkpoint.js';
import { COMPACTED_ROOT, parseCompactedKey } from './lake-keys.js';
import { isRetired, type LakeState, liveGeneration, readState } from './state.js';

/**
 * What a reader of the lake must leave out so that it sees every row once (DESIGN §10):
 * - files of a checkpoint that is not committed yet and has a file missing (it is being made visible, or it
 *   will be rolled back); a checkpoint whose files are all visible only lacks markers, and its rows count;
 * - retired files (replaced by a live compaction, not yet deleted);
 * - compacted files of any generation but the day's live one (being written, or replaced).
 */
export interface LakeView {
  readonly state: LakeState;
  /** Keys of recent files hidden by pending checkpoints. */
  readonly pending: ReadonlySet<string>;
}

export async function readLakeView(dest: Storage, keys?: ReadonlySet<string>): Promise<LakeView> {
  const state = await readState(dest);
  const { records } = await readCheckpointRecords(dest);
  const pending = new Set<string>();
  for (const record of records) {
    const present = keys
      ? record.files.map((f) => keys.has(f))
      : await Promise.all(record.files.map((f) => dest.exists(f)));
    if (!present.every(Boolean)) for (const f of record.files) pending.add(f);
  }
  return { state, pending };
}

/** Whether a data file's rows are part of the lake now. */
export function isVisible(view: LakeView, key: string): boolean {
  if (key.startsWith(COMPACTED_ROOT)) {
    const file = parseCompactedKey(key);
    if (!file) return false;
    return liveGeneration(view.state, file) === file.generation && !isRetired(view.state, key);
  }
  return !view.pending.has(key) && !isRetired(view.state, key);
}
