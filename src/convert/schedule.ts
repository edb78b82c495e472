import type { ObjectInfo } from '../storage/types.js';
import type { Lane } from './pool.js';
import type { ObjectResult, ProgressTick } from './types.js';

/** Listed objects read ahead of conversion: one S3 listing page, so paging overlaps converting. */
export const LOOKAHEAD = 1000;

/**
 * Source bytes one lane takes on at once (an object is always admitted to an idle lane, whatever its size):
 * small objects overlap by the dozen, while big ones — whose encoders hold row groups and upload parts — go
 * one or two per thread as before, so memory stays bounded by the lanes, not by `inFlight`.
 */
export const LANE_BYTES = 16 * 1024 * 1024;

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
}

interface LaneState {
  readonly lane: Lane;
  count: number;
  bytes: number;
}

/**
 * Streams objects from the listing into the lanes as the listing pages: conversion starts with the first page,
 * at most `lookahead` listed objects wait in memory, and at most `inFlight` convert at once. Objects go out in
 * listing order; once the listing has ended, the objects still waiting go largest first so the run does not end
 * on one big object (a global largest-first order would need the whole listing in memory before starting).
 *
 * Resolves when every object handed out has finished. The first error that dooms the run (a RunStopError from
 * a lane, or a failed listing) stops handing out objects, aborts those in flight, waits for them to clean up,
 * and then rejects with that error.
 */
export async function schedule(args: ScheduleArgs): Promise<void> {
  const lookahead = args.lookahead ?? LOOKAHEAD;
  const laneBytes = args.laneBytes ?? LANE_BYTES;
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
  const nextChange = () => new Promise<void>((resolve) => (wake = resolve));
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
    l.count < perLane && (l.count === 0 || l.bytes + object.size <= laneBytes);
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
      .then((result) => args.onResult(result, object))
      .catch((err: unknown) => stop(err))
      .finally(() => {
        l.count--;
        l.bytes -= object.size;
        inFlight--;
        changed();
      });
  };

  while (!stopped) {
    if (waiting.length === 0) {
      if (listingDone) break;
      await nextChange();
      continue;
    }
    if (listingDone && !sortedTail) {
      sortedTail = true;
      waiting.sort((a, b) => b.size - a.size || (a.key < b.key ? -1 : 1));
    }
    if (lanes.length === 0) {
      try {
        lanes = (await args.startLanes(waiting[0])).map((lane) => ({ lane, count: 0, bytes: 0 }));
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
      await nextChange();
      continue;
    }
    const object = waiting.shift() as ObjectInfo;
    if (waiting.length < lookahead) room?.();
    start(lane, object);
  }
  while (inFlight > 0) await nextChange();
  await listing;
  args.signal?.removeEventListener('abort', onAbort);
  if (stopError !== undefined) throw stopError;
}
