/** Runs at most `limit` of the given tasks at a time, in the order they ask. */
export function concurrencyLimit(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    running--;
    queue.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** Runs `task` over every item, at most `limit` at a time; resolves when all have, rejects with the first error. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const slot = concurrencyLimit(limit);
  await Promise.all(items.map((item) => slot(() => task(item))));
}
