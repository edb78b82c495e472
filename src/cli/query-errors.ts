import { QueryInputError } from '../query/errors.js';
import { UsageError } from './usage-error.js';

/** Engine errors as exit codes: the user's SQL or input → 2 (usage); anything else (no flow data, unreadable data) → 1. */
export async function reportQueryFailure(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof QueryInputError) throw new UsageError(err.message);
    throw err;
  }
}
