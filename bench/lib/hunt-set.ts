import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeSampleStash } from '../../src/sample/stash.js';
import { measure } from './measure.js';

/** The 4M-event set the hunt and report benches share: 16 Firehose objects of 250k events, and its Parquet (hive). */
export const HUNT_SET = {
  stash: join('bench/data', 'stash-4m'),
  parquet: join('bench/data', 'parquet-4m-hive'),
};

/** Writes the stash and converts it, once; later runs reuse both. */
export async function prepareHuntSet(cli: readonly string[]): Promise<typeof HUNT_SET> {
  if (!existsSync(HUNT_SET.stash)) {
    process.stderr.write('writing the 4M-event bench stash (once)…\n');
    await writeSampleStash(HUNT_SET.stash, { objects: 16, events: 250_000, seed: 1 });
  }
  if (!existsSync(HUNT_SET.parquet)) {
    measure([...cli, 'convert', HUNT_SET.stash, HUNT_SET.parquet, '--to', 'parquet', '--layout', 'hive', '--quiet']);
  }
  return HUNT_SET;
}
