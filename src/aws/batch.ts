import { type Lane, mainThreadLane } from '../convert/pool.js';
import { failedResult } from '../convert/report.js';
import { schedule } from '../convert/schedule.js';
import type { ConvertOptions, ObjectResult } from '../convert/types.js';
import { recoverCheckpoints } from '../lake/checkpoint.js';
import { isLakeLayout } from '../lake/options.js';
import type { ObjectInfo, Storage } from '../storage/types.js';

export interface BatchArgs {
  readonly source: Storage;
  readonly dest: Storage;
  readonly options: ConvertOptions;
  /** Names the batch's shared files and checkpoints: unique per invocation (invocationNameAt). */
  readonly name: string;
  /** Each distinct object once: two conversions of one object in a batch would put its rows in the lake twice. */
  readonly objects: AsyncIterable<ObjectInfo>;
  /** Objects converting at once. */
  readonly inFlight: number;
  /** Staged rows that make a checkpoint (default: the CLI's, CHECKPOINT_ROWS). */
  readonly checkpointRows?: number;
  /** Each object's final result: for a staged one, once its checkpoint has published it (or failed). */
  readonly onResult: (result: ObjectResult) => void;
}

/**
 * Converts one Lambda invocation's objects the way a CLI run converts its listing (schedule.ts), on one lane of
 * this thread. In the lake layouts their rows share one writer per partition, published in checkpoints when
 * the staged rows or their age reach the CLI's bounds, and at the end: the batch makes one file per partition
 * and checkpoint, not one per object. A staged object's result is final only once its checkpoint has run
 * (failed, with the checkpoint's error, if that failed). A bad object fails alone.
 *
 * The checkpoints a crashed invocation left are finished (or undone once stale) first, as a CLI run does: an
 * object whose rows it made visible without marking them is then skipped here, not converted and counted again.
 */
export async function convertBatch(args: BatchArgs): Promise<void> {
  if (isLakeLayout(args.options.layout)) await recoverCheckpoints(args.dest);
  const lanes: Lane[] = [];
  try {
    await schedule({
      objects: args.objects,
      startLanes: async () => {
        lanes.push(failuresAsResults(await mainThreadLane(args.source, args.dest, args.options, args.name)));
        return lanes;
      },
      inFlight: args.inFlight,
      // The function's memory bounds the objects at once (concurrency.ts), whatever their sizes.
      laneBytes: Number.POSITIVE_INFINITY,
      // Items come in listing order: objects of one hour together, so few partition writers are open at once.
      keepListingOrder: true,
      checkpointRows: args.checkpointRows,
      onListed: () => {},
      onListingDone: () => {},
      onProgress: () => {},
      onResult: (result) => args.onResult(result),
    });
  } finally {
    await Promise.allSettled(lanes.map((lane) => lane.close()));
  }
}

/**
 * A lane whose conversions never reject: an error that would stop a CLI run (a destination refusing writes)
 * fails its object here, as the worker always has, and the batch's other objects still get their results.
 */
function failuresAsResults(lane: Lane): Lane {
  return {
    ...lane,
    convert: (object, onProgress) =>
      lane.convert(object, onProgress).catch((err: unknown) => failedResult(object.key, errorText(err))),
  };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
