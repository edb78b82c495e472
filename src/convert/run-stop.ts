/**
 * An error that fails every object the same way (no such destination bucket, access denied on the destination,
 * rejected or expired credentials, an unreachable endpoint): converting more objects only repeats it, so the
 * run stops at the first one instead of failing its objects one by one.
 */
export class RunStopError extends Error {
  override readonly name = 'RunStopError';
}

/** Thrown by convert() when a run stopped early: the one message, and the report of what was done before. */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';

  constructor(
    message: string,
    readonly report: import('./types.js').RunReport,
  ) {
    super(message);
  }
}
