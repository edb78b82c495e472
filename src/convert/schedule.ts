import type { ObjectInfo } from '../storage/types.js';
import type { Lane } from './pool.js';
import { failedResult } from './report.js';
import type { ObjectResult, ProgressTick } from './types.js';

/** Listed objects read ahead of conversion: one S3 listing page, so paging overlaps converting. */
export const LOOKAHEAD = 1000;

/**
 * Source bytes one lane takes on at once (an object is always admitted to an idle lane, whatever its size):
 * small objects overlap by the dozen, while big ones — whose encoders hold row groups and upload parts — go
 * one or two per thread as before, so memory stays bounded by the lanes, not by `inFlight`.
 */
export const LANE_BYTES = 16 * 1024 * 1024;

/**
 * A lane's staged rows (objects converted into its shared files, not yet published) are checkpointed once they
 * reach this many rows or this age: a crash then redoes at most that much, and rows become visible to readers
 * within a minute of converting. Bigger checkpoints make fewer files per partition; compaction merges them.
 */
export const CHECKPOINT_ROWS = 2_000_000;
export const CHECKPOINT_MS = 60_000;

export interface ScheduleArgs {
  readonly objects: AsyncIterable<ObjectInfo>;
  /** Starts the lanes once the first object is listed (a run with nothing to convert starts none). */
  readonly startLanes: (first: ObjectInfo) => Promise<readonly Lane[]>;
  /** Objects converting at once over all lanes. */
  readonly inFlight: number;
  readonly laneBytes?: number;
  readonly lookahead?: number;
  readonly onListed: (object: ObjectInfo) => void;
  readonly onListingDone: () => void;
  readonly onProgress: (object: ObjectInfo, tick: ProgressTick) => void;
  readonly onResult: (result: ObjectResult, object: ObjectInfo) => void;
  /** Called once when an error stops the run, before the objects in flight report their aborts. */
  readonly onStop?: (err: unknown) => void;
  readonly signal?: AbortSignal;
  readonly checkpointRows?: number;
  readonly checkpointMs?: number;
  /**
   * Hand the tail out in listing order too. Coalesced writes want it: the listing is in time order, so objects
   * of one hour arrive together and few partition writers are open at once; largest-first would scatter them.
   */
  readonly keepListingOrder?: boolean;
}

interface Held {
  readonly result: ObjectResult;
  readonly object: ObjectInfo;
}

interface LaneState {
  readonly lane: Lane;
  count: number;
  bytes: number;
  /** Converted objects whose rows wait for this lane's next checkpoint, by key. */
  readonly staged: Map<string, Held>;
  stagedRows: number;
  /** When the oldest staged object arrived (ms), or 0. */
  stagedSince: number;
  /** Takes no new object until its checkpoint has run. */
  draining: boolean;
  checkpointing: boolean;
}

/**
 * Streams objects from the listing into the lanes as the listing pages: conversion starts with the first page,
 * at most `lookahead` listed objects wait in memory, and at most `inFlight` convert at once. Objects go out in
 * listing order; once the listing has ended, the objects still waiting go largest first so the run does not end
 * on one big object (a global largest-first order would need the whole listing in memory before starting).
 *
 * Results of objects staged in a lane's shared files (the lake's coalesced writes) are held until the lane's
 * checkpoint publishes them: when its staged rows reach `checkpointRows`, its oldest is `checkpointMs` old, or
 * the listing is done, the lane takes no new object, and once its objects in flight have finished it
 * checkpoints. Only then are those results reported (as failed, should the checkpoint fail).
 *
 * Resolves when every object handed out has finished and been published. The first error that dooms the run (a
 * RunStopError from a lane, or a failed listing) stops handing out objects, aborts those in flight (and the
 * staged ones, which are reported failed), waits for them to clean up, and then rejects with that error.
 */
export async function schedule(args: ScheduleArgs): Promise<void> {
  const lookahead = args.lookahead ?? LOOKAHEAD;
  const laneBytes = args.laneBytes ?? LANE_BYTES;
  const checkpointRows = args.checkpointRows ?? CHECKPOINT_ROWS;
  const checkpointMs = args.checkpointMs ?? CHECKPOINT_MS;
  let lanes: LaneState[] = [];
  let perLane = 1;
  const waiting: ObjectInfo[] = [];
  let listingDone = false;
  let sortedTail = false;
  let inFlight = 0;
  let stopError: unknown;
  let stopped = false;

  // One wake-up for whoever waits on a change: an object listed, a slot freed, the listing ended, a stop.
  let wake: (() => void) | undefined;
  const changed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // One timer for the next checkpoint coming due by age (a timer per wait would pile up by the thousand).
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  /** Waits for a change, or at most `ms` (a staged lane's checkpoint coming due). */
  const nextChange = (ms?: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      if (ms === undefined) return;
      const at = Date.now() + Math.max(1, ms);
      if (timer && timerAt <= at) return;
      if (timer) clearTimeout(timer);
      timerAt = at;
      timer = setTimeout(() => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        changed();
      }, at - Date.now());
      timer.unref();
    });
  // The listing waits on its own signal when the lookahead is full.
  let room: (() => void) | undefined;

  const stop = (err?: unknown) => {
    if (stopped) return;
    stopped = true;
    if (err !== undefined) {
      stopError = err;
      args.onStop?.(err);
    }
    for (const l of lanes) l.lane.abortAll();
    room?.();
    changed();
  };
  const onAbort = () => stop();
  args.signal?.addEventListener('abort', onAbort, { once: true });
  if (args.signal?.aborted) stop();

  const listing = (async () => {
    try {
      for await (const object of args.objects) {
        if (stopped) return;
        args.onListed(object);
        waiting.push(object);
        changed();
        while (waiting.length >= lookahead && !stopped) await new Promise<void>((resolve) => (room = resolve));
      }
    } catch (err) {
      stop(err);
    } finally {
      listingDone = true;
      if (!stopped) args.onListingDone();
      changed();
    }
  })();

  const admits = (l: LaneState, object: ObjectInfo) =>
    !l.draining && l.count < perLane && (l.count === 0 || l.bytes + object.size <= laneBytes);
  const laneFor = (object: ObjectInfo): LaneState | undefined => {
    let best: LaneState | undefined;
    for (const l of lanes) if (admits(l, object) && (!best || l.count < best.count)) best = l;
    return best;
  };

  const start = (l: LaneState, object: ObjectInfo) => {
    l.count++;
    l.bytes += object.size;
    inFlight++;
    l.lane
      .convert(object, (tick) => args.onProgress(object, tick))
      .then((result) => {
        if (!result.staged) {
          args.onResult(result, object);
          return;
        }
        if (l.staged.size === 0) l.stagedSince = Date.now();
        l.staged.set(object.key, { result, object });
        l.stagedRows += result.rows;
        if (l.stagedRows >= checkpointRows) l.draining = true;
      })
      .catch((err: unknown) => stop(err))
      .finally(() => {
        l.count--;
        l.bytes -= object.size;
        inFlight--;
        changed();
      });
  };

  const checkpoint = (l: LaneState) => {
    l.checkpointing = true;
    const held = new Map(l.staged);
    l.staged.clear();
    l.stagedRows = 0;
    l.stagedSince = 0;
    l.lane
      .checkpoint()
      .then(({ committed, failed }) => {
        for (const { source, bytesOut } of committed) {
          const h = held.get(source);
          if (!h) continue;
          held.delete(source);
          const { staged: _, ...result } = h.result;
          args.onResult({ ...result, bytesOut }, h.object);
        }
        // Staged objects the checkpoint did not publish: failed, with its error (they convert again next run).
        const error = failed ? `not published: ${failed}` : 'not published by its checkpoint';
        for (const h of held.values()) args.onResult(unpublished(h.result, error), h.object);
      })
      .catch((err: unknown) => {
        for (const h of held.values()) args.onResult(unpublished(h.result, `not published: ${String(err)}`), h.object);
        stop(err);
      })
      .finally(() => {
        l.checkpointing = false;
        l.draining = false;
        changed();
      });
  };

  /** Starts the checkpoints that are due; returns ms until the next one comes due by age (or undefined). */
  const checkpoints = (): number | undefined => {
    let due: number | undefined;
    const now = Date.now();
    const allHandedOut = listingDone && waiting.length === 0;
    for (const l of lanes) {
      if (l.checkpointing || l.staged.size === 0) continue;
      const age = now - l.stagedSince;
      if (age >= checkpointMs || allHandedOut) l.draining = true;
      if (l.draining && l.count === 0) checkpoint(l);
      else if (!l.draining) due = Math.min(due ?? Number.POSITIVE_INFINITY, checkpointMs - age);
    }
    return due;
  };
  const busy = () => inFlight > 0 || lanes.some((l) => l.checkpointing || l.staged.size > 0);

  while (!stopped) {
    const due = checkpoints();
    if (waiting.length === 0) {
      if (listingDone && !busy()) break;
      await nextChange(due);
      continue;
    }
    if (listingDone && !sortedTail && !args.keepListingOrder) {
      sortedTail = true;
      waiting.sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : 1));
    }
    if (lanes.length === 0) {
      try {
        lanes = (await args.startLanes(waiting[0])).map((lane) => ({
          lane,
          count: 0,
          bytes: 0,
          staged: new Map(),
          stagedRows: 0,
          stagedSince: 0,
          draining: false,
          checkpointing: false,
        }));
      } catch (err) {
        stop(err);
        break;
      }
      perLane = Math.max(1, Math.ceil(args.inFlight / lanes.length));
      if (stopped) for (const l of lanes) l.lane.abortAll();
      continue;
    }
    const lane = inFlight < args.inFlight ? laneFor(waiting[0]) : undefined;
    if (!lane) {
      await nextChange(due);
      continue;
    }
    const object = waiting.shift() as ObjectInfo;
    if (waiting.length < lookahead) room?.();
    start(lane, object);
  }
  while (inFlight > 0 || lanes.some((l) => l.checkpointing)) await nextChange();
  // A stopped run publishes nothing more: what was staged is reported, not converted.
  for (const l of lanes) {
    for (const h of l.staged.values()) args.onResult(unpublished(h.result, 'aborted before its checkpoint'), h.object);
    l.staged.clear();
  }
  await listing;
  if (timer) clearTimeout(timer);
  args.signal?.removeEventListener('abort', onAbort);
  if (stopError !== undefined) throw stopError;
}

/** A staged object that was never published: failed, its counts kept for the report's sake. */
function unpublished(result: ObjectResult, error: string): ObjectResult {
  return { ...failedResult(result.key, error, result.seconds), bytesIn: result.bytesIn, shape: result.shape };
}
