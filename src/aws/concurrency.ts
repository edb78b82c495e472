/**
 * How many objects one Lambda invocation converts at once. Their S3 round trips overlap, so a batch of small
 * objects takes about as long as its slowest few rather than the sum of all; memory bounds it: one object per
 * 128 MiB of the function's memory (what a big object's upload parts and encoders may hold), 1 to 16.
 */
export function objectsAtOnce(env: NodeJS.ProcessEnv = process.env): number {
  const mib = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (!Number.isFinite(mib) || mib <= 0) return 4;
  return Math.max(1, Math.min(16, Math.floor(mib / 128)));
}
