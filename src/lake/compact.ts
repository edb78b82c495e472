import { type CompressionName, defaultCompression } from '../encode/parquet/codecs.js';
import type { Storage, StorageOptions } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { type Recovery, recoverCheckpoints } from './checkpoint.js';
import type { DayGroup } from './compact-day.js';
import type { WrittenFile } from './compacted-file.js';
import { type DayCompactor, dayJob, inThreadCompactor, threadCompactor } from './day-compactors.js';
import {
  COMPACTED_ROOT,
  type CompactedFile,
  dayId,
  type LakeDay,
  parseCompactedKey,
  parseRecentKey,
  RECENT_ROOT,
  type RecentFile,
} from './lake-keys.js';
import { acquireLock, LakeLockedError } from './lock.js';
import { runNameAt } from './names.js';
import { CorruptFileError, ForeignFileError, type LakeFileSummary, readFooter, summarize } from './parquet-file.js';
import {
  type DayState,
  emptyDayState,
  type LakeState,
  readDayState,
  STATE_PREFIX,
  serializeDayState,
  writeDayState,
} from './state.js';
import { isVisible, readLakeView } from './visible.js';

export interface CompactOptions {
  /** First day to compact, `YYYYMMDD` (inclusive). */
  readonly since?: string;
  /** Last day to compact, `YYYYMMDD` (inclusive). */
  readonly until?: string;
  /**
   * Only these days (`YYYYMMDD`), as a Lambda function of the stack's compaction map gets them. Such a run holds
   * its days' locks only, so runs over other days go on at once.
   */
  readonly days?: readonly string[];
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
  /**
   * How long (ms) a day's new files exist before its state publishes them. A local folder: none (readers list
   * the files after they read the state). S3: PUBLISH_DELAY_MS. Athena lists a table's files when it plans a
   * query and reads the state when it runs it: a query that listed the day's compacted folder before the last
   * new file was committed, and read the state after it published that generation, would miss the file's rows.
   * With the delay, such a query would have to take longer than it between planning and reading.
   */
  readonly publishDelayMs?: number;
  /** Waits (tests count the waits instead). */
  readonly sleep?: (ms: number) => Promise<void>;
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
/** Longer than Athena takes from listing a query's files to reading its first rows (seconds, in practice). */
export const PUBLISH_DELAY_MS = 30_000;
/** Footers read at once (S3 round trips overlap; local reads are synchronous anyway). */
const FOOTERS_AT_ONCE = 16;

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
  // Before any lock, whose own file would make any folder look like a lake.
  await requireLake(dest);
  // A run over the whole lake (or a window of it) holds the lake's compaction lock: a second one refuses. A run
  // over named days (one function of the stack's compaction map) holds only its days' locks, so several run at once.
  const lock = options.days ? undefined : await acquireLock(dest, 'compact', 'flowlake compact');
  // Threads start now, so that they load while the lake is listed and its footers read.
  const compactors = startCompactors(dest, options);
  try {
    const listing = await listLake(dest);
    const view = await readLakeView(dest, listing.keys);
    const inWindow = dayFilter(options);
    requireState(dest, listing, view.state, inWindow);
    const work = planDays(listing, view, inWindow);
    const { summaries, failures: footerFailures } = await readSummaries(dest, work);
    const recovery = await recoverCheckpoints(dest, now());

    const onS3 = dest.root.startsWith('s3://');
    const grace = options.retireGraceMs ?? (onS3 ? S3_GRACE_MS : 0);
    const publishDelay = options.publishDelayMs ?? (onS3 ? PUBLISH_DELAY_MS : 0);
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const generation = runNameAt(new Date(now()));
    const failures: DayFailure[] = [...footerFailures.values()].map(({ day, error }) => ({ day, error }));
    const compression = options.compression ?? defaultCompression();
    const targetBytes = options.targetBytes ?? DEFAULT_TARGET_BYTES;
    const todo = work.filter((w) => !footerFailures.has(dayId(w.day)));
    const cleanups = cleanupDays(listing, view.state, inWindow, new Set(work.map((w) => dayId(w.day))), now());
    const rowsTotal = todo.reduce((sum, w) => sum + dayRows(w, summaries), 0);
    const totals = { filesIn: 0, bytesIn: 0, filesOut: 0, bytesOut: 0, rows: 0, compacted: 0 };
    const tidied = { orphans: 0, retired: 0 };
    /** Each day's state as this run left it (the others as they were read). */
    const states = new Map(view.state.days);
    let rowsDone = 0;
    const report = () =>
      options.onProgress?.({
        daysDone: totals.compacted + failures.length,
        daysTotal: work.length,
        rowsDone,
        rowsTotal,
      });

    /**
     * Under the day's lock: the day's state as planned (or the day is left to the next run), its orphans and
     * expired retired files removed, then `merge` (when given) and its publication in one write of the state.
     */
    const onDay = async (
      day: LakeDay,
      merge?: () => Promise<{ written: WrittenFile[]; inputs: (Sized & { key: string })[] }>,
    ) => {
      const id = dayId(day);
      let dayLock: Awaited<ReturnType<typeof acquireLock>>;
      try {
        dayLock = await acquireLock(dest, dayLockName(day), 'flowlake compact');
      } catch (err) {
        if (!(err instanceof LakeLockedError)) throw err;
        failures.push({ day: id, error: err.message });
        return;
      }
      try {
        const current = await readDayState(dest, day);
        const planned = view.state.days.get(id);
        if ((current && serializeDayState(current)) !== (planned && serializeDayState(planned))) {
          failures.push({
            day: id,
            error: 'its state changed while this run planned (another compaction?): run again',
          });
          return;
        }
        const state = current ?? emptyDayState(day);
        const orphans = await removeOrphans(dest, listing.compacted, state);
        const expired = await deleteRetired(dest, state, now());
        tidied.orphans += orphans;
        tidied.retired += expired;
        // The day has a state before its first compacted file exists: compacted files with no state are then a
        // lost state, never a first compaction that died before it published (whose files are orphans).
        if (!current || orphans > 0 || expired > 0) await writeDayState(dest, state);
        states.set(id, state);
        if (!merge) return;
        let result: Awaited<ReturnType<typeof merge>>;
        try {
          result = await merge();
        } catch (err) {
          if (!(err instanceof CorruptFileError)) throw err;
          failures.push({ day: id, error: err.message });
          return;
        }
        const { written, inputs } = result;
        // Every new file is committed now; readers that listed before the last of them must be done planning.
        if (publishDelay > 0 && written.length > 0) await sleep(publishDelay);
        state.generation = generation;
        for (const file of inputs) state.retired.set(file.key, now() + grace);
        await writeDayState(dest, state); // the publication: readers now see the new files, not the inputs
        const deleted = await deleteRetired(dest, state, now());
        if (deleted > 0) await writeDayState(dest, state);
        tidied.retired += deleted;
        totals.filesIn += inputs.length;
        totals.bytesIn += inputs.reduce((sum, f) => sum + f.size, 0);
        totals.filesOut += written.length;
        totals.bytesOut += written.reduce((sum, f) => sum + f.bytes, 0);
        totals.rows += written.reduce((sum, f) => sum + f.rows, 0);
        totals.compacted++;
      } finally {
        await dayLock.release();
        report();
      }
    };
    const compactOne = (compactor: DayCompactor, w: DayWork) =>
      onDay(w.day, async () => {
        const job = dayJob(w.day, dayGroups(w, summaries), {
          generation,
          targetBytes,
          compression,
          rowGroupRows: options.rowGroupRows,
        });
        const written = await compactor.compact(job, (rows) => {
          rowsDone += rows;
          report();
        });
        return { written, inputs: [...w.recent, ...w.compacted] };
      });

    report();
    for (const day of cleanups) await onDay(day);
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
      retiredDeleted: tidied.retired,
      retiredWaiting: [...states.values()].reduce((sum, d) => sum + d.retired.size, 0),
      orphansRemoved: tidied.orphans,
      recovery,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(compactors.map((c) => c.close()));
    await lock?.release();
  }
}

function dayLockName(day: LakeDay): string {
  return `compact-${day.account}_${day.region}_${day.day}`;
}

type DayFilter = (day: LakeDay) => boolean;

function dayFilter(options: CompactOptions): DayFilter {
  const days = options.days ? new Set(options.days) : undefined;
  for (const day of options.days ?? []) {
    if (!/^\d{8}$/.test(day)) throw new RangeError(`"${day}" is not a day (YYYYMMDD)`);
  }
  return (day) =>
    (options.since === undefined || day.day >= options.since) &&
    (options.until === undefined || day.day <= options.until) &&
    (days === undefined || days.has(day.day));
}

/**
 * Days in the window with nothing to merge but something to tidy: compacted files of no live generation (a
 * compaction died before publishing) or retired files whose grace has run out.
 */
function cleanupDays(
  listing: LakeListing,
  state: LakeState,
  inWindow: DayFilter,
  merging: ReadonlySet<string>,
  now: number,
): LakeDay[] {
  const days = new Map<string, LakeDay>();
  for (const file of listing.compacted) {
    const id = dayId(file);
    const day = state.days.get(id);
    if (!inWindow(file) || merging.has(id) || !day) continue;
    if (day.generation !== file.generation && !day.retired.has(file.key)) days.set(id, day.day);
  }
  for (const [id, day] of state.days) {
    if (!inWindow(day.day) || merging.has(id)) continue;
    for (const at of day.retired.values()) if (at <= now) days.set(id, day.day);
  }
  return [...days.values()].sort((a, b) => (dayId(a) < dayId(b) ? -1 : 1));
}

function startCompactors(dest: Storage, options: CompactOptions): DayCompactor[] {
  const threads = options.threads;
  if (!threads || threads.count <= 1) return [inThreadCompactor(dest)];
  return Array.from({ length: threads.count }, () =>
    threadCompactor({ url: threads.url, storage: threads.storage ?? {} }),
  );
}

/** A lake has flowlake's bookkeeping; anything else is refused before a file is touched. */
async function requireLake(dest: Storage): Promise<void> {
  for await (const _ of dest.list({ prefixes: ['_flowlake/'] })) return;
  throw new NotALakeError(
    `${dest.root}: not a flowlake lake (no _flowlake/ bookkeeping): compact works on what convert --to parquet --layout hive writes`,
  );
}

/**
 * Compacted files of a day with no state: the state was lost (or removed by hand), not a compaction that died
 * (compaction writes a day's state before its first file). Going on would take every compacted file of the day
 * for an unpublished one and delete it.
 */
function requireState(dest: Storage, listing: LakeListing, state: LakeState, inWindow: DayFilter): void {
  const lost = new Set<string>();
  for (const file of listing.compacted) if (inWindow(file) && !state.days.has(dayId(file))) lost.add(dayId(file));
  if (lost.size === 0) return;
  const days = [...lost].sort();
  throw new NotALakeError(
    `${dest.root}: compacted files of ${days.length} day(s) (${days.slice(0, 3).join(', ')}${days.length > 3 ? ', …' : ''}) but no state under ${STATE_PREFIX} that says which are live; restore it (nothing was changed)`,
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
  // Only where data files live: `_flowlake/` holds a completion marker per source object (14,400 for ten days).
  for await (const info of dest.list({ prefixes: [RECENT_ROOT, COMPACTED_ROOT] })) {
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
function planDays(listing: LakeListing, view: Awaited<ReturnType<typeof readLakeView>>, inWindow: DayFilter) {
  const byDay = new Map<string, DayWork>();
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

/** The day's compacted files of no live generation and not retired: a compaction died before publishing them. */
async function removeOrphans(dest: Storage, compacted: readonly CompactedFile[], state: DayState): Promise<number> {
  const id = dayId(state.day);
  const orphans = compacted.filter(
    (file) => dayId(file) === id && file.generation !== state.generation && !state.retired.has(file.key),
  );
  await forEachLimit(orphans, FOOTERS_AT_ONCE, (file) => dest.remove(file.key));
  return orphans.length;
}

/** Deletes the day's retired files whose grace has run out and drops them from its state (the caller writes it). */
async function deleteRetired(dest: Storage, state: DayState, now: number): Promise<number> {
  const due = [...state.retired].filter(([, at]) => at <= now).map(([key]) => key);
  await forEachLimit(due, FOOTERS_AT_ONCE, (key) => dest.remove(key));
  for (const key of due) state.retired.delete(key);
  return due.length;
}
