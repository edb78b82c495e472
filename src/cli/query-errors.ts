import { NoFlowDataError, QueryInputError } from '../query/errors.js';
import { UsageError } from './usage-error.js';

/** Engine errors as exit codes: the user's SQL or input → 2 (usage), no flow data or unreadable data → 1. */
export async function reportQueryFailure(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof QueryInputError) throw new UsageError(err.message);
    if (err instanceof NoFlowDataError) throw err;
    throw err;
  }
}
