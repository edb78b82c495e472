import type { AtomicWrite, ListOptions, ObjectInfo, ReadOptions, Storage, WriteOptions } from './types.js';

/** flowlake's own folder in a destination: completion markers, rejects, checkpoints, locks, run reports. */
export const BOOKKEEPING_FOLDER = '_flowlake';

/** Whether a key (or a listing prefix) lies in the bookkeeping folder. */
export function isBookkeepingKey(key: string): boolean {
  return key === BOOKKEEPING_FOLDER || key.startsWith(`${BOOKKEEPING_FOLDER}/`);
}

/**
 * One destination over two places: `_flowlake/…` keys in `bookkeeping`, every other key in `data`. For a
 * destination that must hold nothing but data files (a Security Lake custom source's location, which its Glue
 * crawler reads whole), while the converter reads and writes its markers, rejects and checkpoints as usual.
 */
export function splitBookkeeping(data: Storage, bookkeeping: Storage): Storage {
  const at = (key: string) => (isBookkeepingKey(key) ? bookkeeping : data);
  return {
    root: data.root,
    list: (options?: ListOptions) => listBoth(data, bookkeeping, options),
    openRead: (key: string, options?: ReadOptions) => at(key).openRead(key, options),
    readRange: (key: string, start: number, end: number) => at(key).readRange(key, start, end),
    readSmall: (key: string) => at(key).readSmall(key),
    exists: (key: string) => at(key).exists(key),
    remove: (key: string) => at(key).remove(key),
    writeAtomic: (key: string, options?: WriteOptions): AtomicWrite => at(key).writeAtomic(key, options),
    writeSmall: (key: string, body: string | Buffer, options?: WriteOptions) => at(key).writeSmall(key, body, options),
    close: async () => {
      await Promise.all([data.close?.(), bookkeeping.close?.()]);
    },
  };
}

/** Each prefix listed where its keys live; no prefixes: the data (whose listing skips bookkeeping anyway). */
async function* listBoth(data: Storage, bookkeeping: Storage, options?: ListOptions): AsyncIterable<ObjectInfo> {
  const prefixes = options?.prefixes;
  if (!prefixes) {
    yield* data.list();
    return;
  }
  const own = prefixes.filter(isBookkeepingKey);
  const rest = prefixes.filter((p) => !isBookkeepingKey(p));
  if (rest.length > 0) yield* data.list({ prefixes: rest });
  if (own.length > 0) yield* bookkeeping.list({ prefixes: own });
}
