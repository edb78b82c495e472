import { CheckpointError, LaneLake } from '../lake/lane-lake.js';
import { isLakeLayout } from '../lake/options.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { VERSION } from '../version.js';
import { convertObject } from './object.js';
import type { LaneCheckpoint } from './pool.js';
import type { ConvertOptions, ObjectResult, ProgressTick } from './types.js';

/**
 * One lane's objects (a worker thread, or the main thread): each converts on its own, and in the hive layout
 * their rows go to the lane's shared files, published by checkpoint(). The worker thread and the main-thread
 * lane both run this, so the two behave alike.
 */
export class LaneConverter {
  private controller = new AbortController();
  private readonly lake: LaneLake | undefined;

  constructor(
    private readonly source: Storage,
    private readonly dest: Storage,
    private readonly options: ConvertOptions,
    laneName: string,
  ) {
    this.lake = isLakeLayout(options.layout)
      ? new LaneLake(dest, options, laneName, { metadata: { 'flowlake-version': VERSION } })
      : undefined;
  }

  convert(object: ObjectInfo, onProgress: (tick: ProgressTick) => void): Promise<ObjectResult> {
    const { source, dest, options, lake } = this;
    return convertObject({ source, dest, object, options, signal: this.controller.signal, onProgress, lake });
  }

  async checkpoint(): Promise<LaneCheckpoint> {
    if (!this.lake) return { committed: [] };
    try {
      const outcome = await this.lake.checkpoint();
      return { committed: outcome.objects };
    } catch (err) {
      // Whatever went wrong, its objects are not published: they fail and convert again on the next run.
      return { committed: [], failed: err instanceof CheckpointError ? err.message : String(err) };
    }
  }

  abortAll(): void {
    this.controller.abort();
    this.controller = new AbortController();
    this.lake?.abort().catch(() => {});
  }
}
