/** The user's SQL (or a hunt's input) is wrong: exit 2 with the engine's message, nothing on stdout. */
export class QueryInputError extends Error {
  override name = 'QueryInputError';
}

/** The source holds no flow data: exit 1 with what was found there. */
export class NoFlowDataError extends Error {
  override name = 'NoFlowDataError';
}
