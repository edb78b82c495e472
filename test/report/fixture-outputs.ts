import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FixtureFlow } from './fixture-flows.js';

/**
 * Writes flows as a flowlake JSONL.gz output (Parquet names and types, §4) into `dir`, which `openFlows` and the
 * CLI then read as they are: the report's tests run on the real engine without converting a stash.
 */
export function writeFixtureOutputs(dir: string, flows: readonly FixtureFlow[]): string {
  const lines = flows.map((f) =>
    JSON.stringify({ timestamp: new Date(f.start * 1000).toISOString(), version: 2, account_id: '123456789012', ...f }),
  );
  writeFileSync(join(dir, 'flows.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`));
  return dir;
}
