/**
 * Who holds a lake lock, and when a lock's holder counts as gone: a process of this machine that no longer runs,
 * or a holder elsewhere whose heartbeat stopped. A Lambda's execution environments may share a hostname, so the
 * environment is part of who holds it: a live holder in another one must never look like a dead process here.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { afterEach, describe, it } from 'node:test';
import { writerHost } from '../../src/lake/checkpoint.js';
import { isStaleLock, LOCK_STALE_MS, type LockHolder } from '../../src/lake/lock.js';

/** A pid no process has: past the kernel's largest. */
const NO_SUCH_PID = 2 ** 22 + 1;
const now = Date.parse('2026-12-04T12:00:00Z');
const holder = (host: string, heartbeatAgoMs: number, pid = NO_SUCH_PID): LockHolder => ({
  purpose: 'flowlake compact',
  host,
  pid,
  startedAt: new Date(now - heartbeatAgoMs - 1000).toISOString(),
  heartbeatAt: new Date(now - heartbeatAgoMs).toISOString(),
});

describe('lake locks: a holder that is gone', () => {
  const saved = process.env.AWS_LAMBDA_LOG_STREAM_NAME;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_LAMBDA_LOG_STREAM_NAME;
    else process.env.AWS_LAMBDA_LOG_STREAM_NAME = saved;
  });

  it('is a dead process of this machine, whatever its heartbeat; a live one is not', () => {
    assert.equal(isStaleLock(holder(writerHost(), 0), now), true);
    assert.equal(isStaleLock(holder(writerHost(), 0, process.pid), now), false);
  });

  it('in a Lambda, is judged by heartbeat when another execution environment of the same hostname holds it', () => {
    process.env.AWS_LAMBDA_LOG_STREAM_NAME = '2026/12/04/[$LATEST]aaaa';
    const other = `${hostname()} 2026/12/04/[$LATEST]bbbb`;
    assert.notEqual(other, writerHost());
    assert.equal(isStaleLock(holder(other, 1000), now), false, 'its pid means nothing here');
    assert.equal(isStaleLock(holder(other, LOCK_STALE_MS + 1000), now), true);
    // The same environment: its own processes are asked.
    assert.equal(isStaleLock(holder(writerHost(), 1000), now), true);
  });
});
