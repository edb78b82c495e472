import { type CompressionName, defaultCompression } from '../encode/parquet/codecs.js';
import type { Storage, StorageOptions } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { type Recovery, recoverCheckpoints } from './checkpoint.js';
import type { DayGroup } from './compact-day.js';
import { type DayCompactor, dayJob, inThreadCompactor, threadCompactor } from './day-compactors.js';
import {
  type CompactedFile,
  dayId,
  type LakeDay,
  parseCompactedKey,
  parseRecentKey,
  type RecentFile,
} from './lake-keys.js';
import { acquireLock } from './lock.js';
import { runNameAt } from './names.js';
import { CorruptFileError, ForeignFileError, type LakeFileSummary, readFooter, summarize } from './parquet-file.js';
import { type LakeState, STATE_KEY, writeState } from './state.js';
import { isVisible, readLakeView } from './visible.js';

export interface CompactOptions {
  /** First day to compact, `YYYYMMDD` (inclusive). */
  readonly since?: string;
  /** Last day to compact, `YYYYMMDD` (inclusive). */
  readonly until?: string;
  /** Files are cut at about this size (default 256 MiB); a smaller day is one file. */
  readonly targetBytes?: number;
  readonly compression?: CompressionName;
  /** Rows per row group (default: the day's rows in equal groups of at least 100k). */
  readonly rowGroupRows?: number;
  /**
   * How long replaced files stay (ms) before they are deleted. A local folder: none (readers list the files
   * after they read the state, so none reads a deleted file's rows twice or misses them). S3: a day, longer than
   * Athena's longest query (30 minutes by default) — a query planned before the switch still finds its files.
   */
  readonly retireGraceMs?: number;
  readonly onProgress?: (progress: CompactProgress) => void;
  /**
   * Compact days on this many worker threads, each opening the lake at `url` itself (the CLI: every core).
   * Without it, days compact one at a time on the calling thread (a Lambda function, a library caller).
   */
  readonly threads?: { readonly url: string; readonly storage?: StorageOptions; readonly count: number };
  /** The clock, for tests of the grace period. */
  readonly now?: () => number;
}

export interface CompactProgress {
  readonly daysDone: number;
  readonly daysTotal: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

export interface DayFailure {
  /** `account/region/YYYYMMDD` */
  readonly day: string;
  readonly error: string;
}

export interface CompactReport {
  readonly lake: string;
  readonly generation: string;
  /** Days merged now, days already compacted (nothing new), days left as they were because a file failed. */
  readonly days: { readonly compacted: number; readonly unchanged: number; readonly failed: number };
  readonly failures: readonly DayFailure[];
  readonly filesIn: number;
  readonly bytesIn: number;
  readonly filesOut: number;
  readonly bytesOut: number;
  readonly rows: number;
  /** Replaced files deleted (now or left from earlier runs whose grace ran out), and files still in grace. */
  readonly retiredDeleted: number;
  readonly retiredWaiting: number;
  /** Files of a compaction that died before it published them. */
  readonly orphansRemoved: number;
  readonly recovery: Recovery;
  readonly seconds: number;
}

/** The folder is not a lake, or holds files compaction cannot vouch for: nothing was changed. */
export class NotALakeError extends Error {
  override readonly name = 'NotALakeError';
}

export const DEFAULT_TARGET_BYTES = 256 * 2 ** 20;
const S3_GRACE_MS = 24 * 3_600_000;
/** Footers read at once (S3 round trips overlap; local reads are synchronous anyway). */
const FOOTERS_AT_ONCE = 16;
/** The state is published after this many days, or this long, whichever first (and at the end). */
const PUBLISH_EVERY_DAYS = 32;
const PUBLISH_EVERY_MS = 10_000;

interface Sized {
  readonly size: number;
}

interface DayWork {
  readonly day: LakeDay;
  readonly recent: (RecentFile & Sized)[];
  readonly compacted: (CompactedFile & Sized)[];
}

/**
 * `flowlake compact` (DESIGN §10): per account, region and day, merges the day's visible files (the recent
 * hourly files and the day's live compacted ones) into few files sorted by row time, then publishes them in
 * one atomic write of the lake's state and retires what they replace. Days with nothing new are left alone,
 * so a second run changes nothing. A day whose files cannot be read is left as it was and reported.
 */
export async function compactLake(dest: Storage, options: CompactOptions = {}): Promise<CompactReport> {
  const started = Date.now();
  const now = options.now ?? Date.now;
  // Before the lock, whose own file would make any folder look like a lake.
  await requireLake(dest);
  const lock = await acquireLock(dest, 'compact', 'flowlake compact');
  try {
    const listing = await listLake(dest);
    const view = await readLakeView(dest, listing.keys);
    requireState(dest, listing, view.state);
    const work = planDays(listing, view, options);
    const { summaries, failures: footerFailures } = await readSummaries(dest, work);
    const recovery = await recoverCheckpoints(dest, now());

    const state = view.state;
    // A state exists before the first compacted file does: compacted files with no state are then a lost state,
    // never a first compaction that died before it published (whose files are orphans to remove).
    if (!state.stored) await writeState(dest, state);
    const grace = options.retireGraceMs ?? (dest.root.startsWith('s3://') ? S3_GRACE_MS : 0);
    const orphansRemoved = await removeOrphans(dest, listing.compacted, state);
    let retiredDeleted = await deleteRetired(dest, state, now());
    if (orphansRemoved > 0 || retiredDeleted > 0) await writeState(dest, state);

    const generation = runNameAt(new Date(now()));
    const failures: DayFailure[] = [...footerFailures.values()].map(({ day, error }) => ({ day, error }));
    const compression = options.compression ?? defaultCompression();
    const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
    const todo = work.filter((w) => !footerFailures.has(dayId(w.day)));
    const rowsTotal = todo.reduce((sum, w) => sum + dayRows(w, summaries), 0);
    const totals = { filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0, rows: 0, compacted: 0 };
    let rowsDone = 0;
    let unpublished = 0;
    let lastPublish = Date.now();
    const report = () =>
      options.onProgress?.({
        daysDone: totals.compacted + failures.length,
        daysTotal: work.length,
        rowsDone,
        rowsTotal,
      });
    // Publishes one at a time: lanes finish days in any order, and each publish writes the whole state.
    let publishing = Promise.resolve();
    const publish = () => {
      publishing = publishing.then(async () => {
        unpublished = 0;
        lastPublish = Date.now();
        await writeState(dest, state);
        retiredDeleted += await deleteRetired(dest, state, now());
        await writeState(dest, state);
      });
      return publishing;
    };
    const compactOne = async (compactor: DayCompactor, w: DayWork) => {
      const inputs = [...w.recent, ...w.compacted];
      const job = dayJob(w.day, dayGroups(w, summaries), {
        generation,
        targetBytes,
        compression,
        rowGroupRows: options.rowGroupRows,
      });
      let written: Awaited<ReturnType<DayCompactor['compact']>>;
      try {
        written = await compactor.compact(job, (rows) => {
          rowsDone += rows;
          report();
        });
      } catch (err) {
        if (!(err instanceof CorruptFileError)) throw err;
        failures.push({ day: dayId(w.day), error: err.message });
        report();
        return;
      }
      state.generations.set(dayId(w.day), { day: w.day, generation });
      for (const file of inputs) state.retired.set(file.key, now() + grace);
      totals.filesIn += inputs.length;
      totals.bytesIn += inputs.reduce((sum, f) => sum + f.size, 0);
      totals.filesOut += written.length;
      totals.bytesOut += written.reduce((sum, f) => sum + f.bytes, 0);
      totals.rows += written.reduce((sum, f) => sum + f.rows, 0);
      totals.compacted++;
      unpublished++;
      if (unpublished >= PUBLISH_EVERY_DAYS || Date.now() - lastPublish >= PUBLISH_EVERY_MS) await publish();
    };
    report();
    const compactors = startCompactors(dest, options, todo.length);
    try {
      // Each lane takes the next day when it is free; the first error stops the others' next days.
      let next = 0;
      let stopped: unknown;
      await Promise.all(
        compactors.map(async (compactor) => {
          while (next < todo.length && stopped === undefined) {
            const w = todo[next++];
            try {
              await compactOne(compactor, w);
            } catch (err) {
              stopped ??= err;
            }
          }
        }),
      );
      if (stopped !== undefined) throw stopped;
    } finally {
      await Promise.all(compactors.map((c) => c.close()));
      // What finished is published even when another day's error stops the run.
      if (unpublished > 0) await publish();
      await publishing;
    }
    return {
      lake: dest.root,
      generation,
      days: {
        compacted: totals.compacted,
        unchanged: listing.days.size - work.length,
        failed: failures.length,
      },
      failures,
      filesIn: totals.filesIn,
      bytesIn: totals.bytesIn,
      filesOut: totals.filesOut,
      bytesOut: totals.bytesOut,
      rows: totals.rows,
      retiredDeleted,
      retiredWaiting: state.retired.size,
      orphansRemoved,
      recovery,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await lock.release();
  }
}

function startCompactors(dest: Storage, options: CompactOptions, days: number): DayCompactor[] {
  const threads = options.threads;
  if (!threads || threads.count <= 1 || days <= 1) return [inThreadCompactor(dest)];
  const count = Math.min(threads.count, days);
  return Array.from({ length: count }, () => threadCompactor({ url: threads.url, storage: threads.storage ?? {} }));
}

/** A lake has flowlake's bookkeeping; anything else is refused before a file is touched. */
async function requireLake(dest: Storage): Promise<void> {
  for await (const _ of dest.list({ prefixes: ['_flowlake/'] })) return;
  throw new NotALakeError(
    `${dest.root}: not a flowlake lake (no _flowlake/ bookkeeping): compact works on what convert --to parquet --layout hive writes`,
  );
}

/**
 * Compacted files with no state at all: the state was lost (or removed by hand), not a compaction that died
 * (compaction writes the state before its first file). Going on would take every compacted file for an
 * unpublished one and delete it.
 */
function requireState(dest: Storage, listing: LakeListing, state: LakeState): void {
  if (listing.compacted.length === 0 || state.stored) return;
  throw new NotALakeError(
    `${dest.root}: ${listing.compacted.length} compacted files but no ${STATE_KEY} that says which are live; restore it (nothing was changed)`,
  );
}

interface LakeListing {
  readonly keys: Set<string>;
  readonly recent: (RecentFile & Sized)[];
  readonly compacted: (CompactedFile & Sized)[];
  /** Every day that has data files, compacted or not. */
  readonly days: Set<string>;
}

async function listLake(dest: Storage): Promise<LakeListing> {
  const listing: LakeListing = { keys: new Set(), recent: [], compacted: [], days: new Set() };
  for await (const info of dest.list()) {
    listing.keys.add(info.key);
    const recent = parseRecentKey(info.key);
    if (recent) {
      listing.recent.push({ ...recent, size: info.size });
      listing.days.add(dayId(recent));
      continue;
    }
    const compacted = parseCompactedKey(info.key);
    if (compacted) {
      listing.compacted.push({ ...compacted, size: info.size });
      listing.days.add(dayId(compacted));
    }
  }
  return listing;
}

/** Days in the window with visible recent files: those have rows to merge (the others are compacted already). */
function planDays(listing: LakeListing, view: Awaited<ReturnType<typeof readLakeView>>, options: CompactOptions) {
  const byDay = new Map<string, DayWork>();
  const inWindow = (day: LakeDay) =>
    (options.since === undefined || day.day >= options.since) &&
    (options.until === undefined || day.day <= options.until);
  const entry = (day: LakeDay): DayWork => {
    const id = dayId(day);
    let w = byDay.get(id);
    if (!w) {
      w = { day: { account: day.account, region: day.region, day: day.day }, recent: [], compacted: [] };
      byDay.set(id, w);
    }
    return w;
  };
  for (const file of listing.recent) if (inWindow(file) && isVisible(view, file.key)) entry(file).recent.push(file);
  const work = [...byDay.values()];
  for (const file of listing.compacted) {
    if (isVisible(view, file.key)) byDay.get(dayId(file))?.compacted.push(file);
  }
  work.sort((a, b) => (dayId(a.day) < dayId(b.day) ? -1 : 1));
  return work;
}

/**
 * Every input's footer, read before anything changes: a file of another writer or schema stops the run (the
 * folder holds something compaction cannot vouch for); an unreadable one fails its day only.
 */
async function readSummaries(dest: Storage, work: readonly DayWork[]) {
  const summaries = new Map<string, LakeFileSummary>();
  const failures = new Map<string, DayFailure>();
  const foreign: string[] = [];
  const files = work.flatMap((w) => [...w.recent, ...w.compacted].map((file) => ({ file, day: dayId(w.day) })));
  await forEachLimit(files, FOOTERS_AT_ONCE, async ({ file, day }) => {
    if (failures.has(day)) return;
    const where = `${dest.root}/${file.key}`;
    try {
      summaries.set(file.key, summarize(where, file.key, file.size, await readFooter(dest, file.key, file.size)));
    } catch (err) {
      if (err instanceof ForeignFileError) foreign.push(err.message);
      else if (err instanceof CorruptFileError) failures.set(day, { day, error: err.message });
      else throw err;
    }
  });
  if (foreign.length > 0) {
    const more = foreign.length > 5 ? ` (and ${foreign.length - 5} more)` : '';
    throw new NotALakeError(
      `not compacting ${dest.root}, nothing was changed: it holds files that are not the lake's own:\n  ${foreign.slice(0, 5).join('\n  ')}${more}\nmove them out of the lake, or compact another folder`,
    );
  }
  return { summaries, failures };
}

function dayRows(w: DayWork, summaries: ReadonlyMap<string, LakeFileSummary>): number {
  let rows = 0;
  for (const file of [...w.recent, ...w.compacted]) rows += summaries.get(file.key)?.rows ?? 0;
  return rows;
}

/** A day's files grouped by format group and schema: each group becomes files of its own. */
function dayGroups(w: DayWork, summaries: ReadonlyMap<string, LakeFileSummary>): DayGroup[] {
  const groups = new Map<string, { formatKey: string; summary: LakeFileSummary; files: DayGroup['files'][number][] }>();
  const rows = new Map<string, number>();
  const add = (file: { key: string; size: number; formatKey: string }, hour: number | undefined) => {
    const summary = summaries.get(file.key);
    if (!summary) throw new Error(`internal: no footer read for ${file.key}`);
    const id = `${file.formatKey}\n${summary.signature}`;
    let group = groups.get(id);
    if (!group) {
      group = { formatKey: file.formatKey, summary, files: [] };
      groups.set(id, group);
    }
    group.files.push({ key: file.key, size: file.size, hour });
    rows.set(id, (rows.get(id) ?? 0) + summary.rows);
  };
  for (const file of w.recent) add(file, Number(file.hour));
  for (const file of w.compacted) add(file, undefined);
  return [...groups.entries()].map(([id, g]) => ({
    formatKey: g.formatKey,
    format: g.summary.format,
    files: g.files,
    rows: rows.get(id) ?? 0,
  }));
}

/** Compacted files of no live generation and not retired: a compaction died before publishing them. */
async function removeOrphans(dest: Storage, compacted: readonly CompactedFile[], state: LakeState): Promise<number> {
  const orphans = compacted.filter(
    (file) => state.generations.get(dayId(file))?.generation !== file.generation && !state.retired.has(file.key),
  );
  await forEachLimit(orphans, FOOTERS_AT_ONCE, (file) => dest.remove(file.key));
  return orphans.length;
}

/** Deletes retired files whose grace has run out and drops them from the state (the caller writes it). */
async function deleteRetired(dest: Storage, state: LakeState, now: number): Promise<number> {
  const due = [...state.retired].filter(([, at]) => at <= now).map(([key]) => key);
  await forEachLimit(due, FOOTERS_AT_ONCE, (key) => dest.remove(key));
  for (const key of due) state.retired.delete(key);
  return due.length;
}
