import { ObjectExistsError, type Storage } from '../storage/types.js';
import { processAlive, writerHost } from './checkpoint.js';

/** Who holds a lock, as its file says. */
export interface LockHolder {
  readonly purpose: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly heartbeatAt: string;
}

/** A lock held by someone else, live: the message names them. */
export class LakeLockedError extends Error {
  override readonly name = 'LakeLockedError';

  constructor(
    readonly where: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `${where} is locked by ${holder.purpose} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); wait for it to finish, or remove ${where} if that process is gone`
        : `${where} is locked (its lock file is being written or unreadable); try again, or remove it if no flowlake runs on this lake`,
    );
  }
}

export interface LakeLock {
  release(): Promise<void>;
}

/** The holder refreshes its lock this often, so a lock of a process that died elsewhere goes stale. */
const HEARTBEAT_MS = 60_000;
/** A lock not refreshed for this long is a dead holder's (five missed heartbeats). */
export const LOCK_STALE_MS = 5 * HEARTBEAT_MS;

export function lockKey(name: string): string {
  return `_flowlake/locks/${name}.lock`;
}

/**
 * Takes the lake's lock `name` (`compact`, `convert`, or a day's): created exclusively, refreshed every minute,
 * removed on release. A lock whose holder is gone (a dead process on this machine, or no heartbeat for five
 * minutes) is taken over; a live one makes this throw LakeLockedError, naming the holder.
 */
export async function acquireLock(dest: Storage, name: string, purpose: string): Promise<LakeLock> {
  const key = lockKey(name);
  const where = `${dest.root}/${key}`;
  const startedAt = new Date().toISOString();
  const body = (): string =>
    JSON.stringify({
      purpose,
      host: writerHost(),
      pid: process.pid,
      startedAt,
      heartbeatAt: new Date().toISOString(),
    } satisfies LockHolder);
  for (let attempt = 0; ; attempt++) {
    const existing = await dest.readSmall(key);
    if (existing === undefined) {
      try {
        await dest.writeSmall(key, body(), { ifNoneMatch: '*', contentType: 'application/json' });
        break;
      } catch (err) {
        if (!(err instanceof ObjectExistsError) || attempt > 0)
          throw err instanceof ObjectExistsError ? new LakeLockedError(where, undefined) : err;
        continue;
      }
    }
    const holder = parseHolder(existing);
    if (attempt === 0 && holder && isStaleLock(holder)) {
      await dest.remove(key);
      continue;
    }
    throw new LakeLockedError(where, holder);
  }
  const timer = setInterval(() => {
    dest.writeSmall(key, body(), { contentType: 'application/json' }).catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await dest.remove(key);
    },
  };
}

function parseHolder(body: Buffer): LockHolder | undefined {
  try {
    const holder = JSON.parse(body.toString('utf8')) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

export function isStaleLock(holder: LockHolder, now = Date.now()): boolean {
  if (holder.host === writerHost()) return !processAlive(holder.pid);
  const beat = Date.parse(holder.heartbeatAt);
  return !Number.isFinite(beat) || now - beat > LOCK_STALE_MS;
}
