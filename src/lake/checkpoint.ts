import { hostname } from 'node:os';
import type { Storage } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { type CompletionMarker, markerKey } from './markers.js';

/**
 * A checkpoint makes the rows of many objects visible at once, every row exactly once, crash or not:
 *
 * 1. the shared files are finished (whole, but not yet visible: temp files or unfinished uploads);
 * 2. a record naming those files and the completion markers of the objects whose rows they hold is written;
 * 3. the files are made visible (renames, multipart completions);
 * 4. the markers are written (re-runs skip those objects);
 * 5. the record is deleted.
 *
 * A crash between 2 and 5 leaves the record. Recovery (at the next run, by compaction, or at the start of a
 * Lambda batch) finishes what the record says when every file it names is visible (roll forward: write the
 * markers), and otherwise, once its writer is gone, deletes the files that are (roll back: the objects have no
 * marker and convert again). Until then readers leave out the files named by a record with a file missing, and
 * compaction never takes them in, so no row is seen twice.
 */
export interface CheckpointRecord {
  readonly version: 1;
  readonly id: string;
  /** Who writes it: a record whose writer is gone (or is older than the stale bound) is a crash's. */
  readonly host: string;
  readonly pid: number;
  readonly writtenAt: string;
  readonly files: readonly string[];
  readonly markers: ReadonlyArray<{ readonly source: string; readonly marker: CompletionMarker }>;
}

export const CHECKPOINTS_PREFIX = '_flowlake/checkpoints/';

export function checkpointRecordKey(id: string): string {
  return `${CHECKPOINTS_PREFIX}${id}.json`;
}

/** Markers written at once (S3 round trips overlap; local writes are synchronous anyway). */
const MARKER_WRITES_AT_ONCE = 16;

/**
 * A record older than this is a crash's even when its writer cannot be asked (another machine, a Lambda):
 * longer than any commit takes (a Lambda runs 15 minutes at most).
 */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Steps 2–5 for files already finished (step 1). `commitFiles` makes them visible (the router's commit).
 * Throws when a step fails; the record then stays for recovery, and the caller removes what it can.
 */
export async function commitCheckpoint(
  dest: Storage,
  id: string,
  files: readonly string[],
  markers: CheckpointRecord['markers'],
  commitFiles: () => Promise<void>,
): Promise<void> {
  const key = checkpointRecordKey(id);
  const record: CheckpointRecord = {
    version: 1,
    id,
    host: writerHost(),
    pid: process.pid,
    writtenAt: new Date().toISOString(),
    files,
    markers,
  };
  await dest.writeSmall(key, JSON.stringify(record), { contentType: 'application/json' });
  try {
    await commitFiles(); // undoes its own partial work when it fails
  } catch (err) {
    await dest.remove(key).catch(() => {}); // else recovery rolls it back: nothing of it is visible either way
    throw err;
  }
  try {
    await writeMarkers(dest, markers);
  } catch (err) {
    // The rows are visible and the record stays: recovery writes the markers (never converts them again).
    throw new MarkersPendingError(`${(err as Error).message} (the next run writes the missing completion markers)`, {
      cause: err,
    });
  }
  await dest.remove(key);
}

/** A checkpoint whose files are visible but whose markers could not all be written: recovery finishes it. */
export class MarkersPendingError extends Error {
  override readonly name = 'MarkersPendingError';
}

async function writeMarkers(dest: Storage, markers: CheckpointRecord['markers']): Promise<void> {
  await forEachLimit(markers, MARKER_WRITES_AT_ONCE, ({ source, marker }) =>
    dest.writeSmall(markerKey(source), JSON.stringify(marker), { contentType: 'application/json' }),
  );
}

/** Every checkpoint record in the destination (unreadable ones are reported, not guessed at). */
export async function readCheckpointRecords(
  dest: Storage,
): Promise<{ records: CheckpointRecord[]; unreadable: string[] }> {
  const records: CheckpointRecord[] = [];
  const unreadable: string[] = [];
  for await (const info of dest.list({ prefixes: [CHECKPOINTS_PREFIX] })) {
    if (!info.key.endsWith('.json')) continue;
    const body = await dest.readSmall(info.key);
    if (body === undefined) continue; // committed meanwhile
    try {
      const record = JSON.parse(body.toString('utf8')) as CheckpointRecord;
      if (record.version !== 1 || !Array.isArray(record.files) || !Array.isArray(record.markers)) throw new Error();
      records.push(record);
    } catch {
      unreadable.push(info.key);
    }
  }
  return { records, unreadable };
}

/** The files of every checkpoint not yet committed: readers and compaction leave them out. */
export async function uncommittedFiles(dest: Storage): Promise<Set<string>> {
  const { records } = await readCheckpointRecords(dest);
  return new Set(records.flatMap((r) => r.files));
}

export function isStale(record: CheckpointRecord, now = Date.now(), staleAfterMs = STALE_AFTER_MS): boolean {
  const written = Date.parse(record.writtenAt);
  if (!Number.isFinite(written) || now - written > staleAfterMs) return true;
  return record.host === writerHost() && !processAlive(record.pid);
}

/**
 * Who writes a record, as isStale compares it: the machine, and in a Lambda its execution environment (one log
 * stream each) too. Environments need not have different hostnames, and one's process ids mean nothing in
 * another: a live writer elsewhere must never look like a dead process here.
 */
export function writerHost(env: NodeJS.ProcessEnv = process.env): string {
  const environment = env.AWS_LAMBDA_LOG_STREAM_NAME;
  return environment ? `${hostname()} ${environment}` : hostname();
}

/** Whether a process of this machine still runs (signal 0 checks without signalling; EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Recovery {
  /** Records whose files were all visible: their markers were written (whoever wrote the record). */
  readonly rolledForward: number;
  /** Records with a file missing: their visible files were deleted (those objects convert again). */
  readonly rolledBack: number;
  readonly filesRemoved: number;
}

/**
 * Finishes or undoes the checkpoints of crashed writers (see the top of this file). A record whose files are all
 * visible is finished whoever wrote it: its rows already count for readers, and its markers are what its writer
 * writes next, so writing them is never wrong — and a writer that cannot be asked (a Lambda that timed out) must
 * not leave its objects unmarked, to be converted and counted again, until its record is stale. Undoing deletes
 * files, so only a stale record's are.
 */
export async function recoverCheckpoints(dest: Storage, now = Date.now()): Promise<Recovery> {
  const { records } = await readCheckpointRecords(dest);
  let rolledForward = 0;
  let rolledBack = 0;
  let filesRemoved = 0;
  for (const record of records) {
    const present = await Promise.all(record.files.map((f) => dest.exists(f)));
    if (present.every(Boolean)) {
      await writeMarkers(dest, record.markers);
      rolledForward++;
    } else if (!isStale(record, now)) {
      continue;
    } else {
      const visible = record.files.filter((_, i) => present[i]);
      await forEachLimit(visible, MARKER_WRITES_AT_ONCE, (f) => dest.remove(f));
      filesRemoved += visible.length;
      rolledBack++;
    }
    await dest.remove(checkpointRecordKey(record.id));
  }
  return { rolledForward, rolledBack, filesRemoved };
}
