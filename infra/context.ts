import { Duration } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { SecurityLakeSettingsError, securityLakeFromContext } from './security-lake.js';
import type { FlowlakeStackProps } from './stack.js';

/**
 * Stack settings from CDK context (`-c key=value` on the command line, or `context` in cdk.json):
 * sourceBucket (required), sourcePrefix, destinationBucket (imported when set, created otherwise),
 * destinationPrefix, formats (csv,parquet,jsonl; default parquet), layout (mirror|hive; default hive with Parquet),
 * fields, logGroupFormats (JSON), workerMemoryMiB, workerTimeoutSeconds, mapConcurrency, maxItemsPerBatch,
 * toleratedFailurePercentage, realTime (true|false), queueBatchSize, accounts and regions (comma-separated, hive
 * layout: enum projection), for the lake's compaction compactMemoryMiB, compactDaysPerBatch,
 * compactConcurrency and compactTargetMiB, and securityLake (OCSF into a Security Lake custom source: a JSON
 * object or key=value pairs, see security-lake.ts).
 */
export function propsFromContext(node: Node): FlowlakeStackProps {
  const str = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const num = (key: string): number | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`context ${key} must be a non-negative number, got "${value}"`);
    return n;
  };
  const sourceBucketName = str('sourceBucket');
  if (!sourceBucketName) {
    throw new Error('context sourceBucket is required: npx cdk deploy -c sourceBucket=NAME -c sourcePrefix=PREFIX');
  }
  const formats = node.tryGetContext('formats');
  const logGroupFormats = node.tryGetContext('logGroupFormats');
  const timeoutSeconds = num('workerTimeoutSeconds');
  const realTime = node.tryGetContext('realTime');
  return {
    sourceBucketName,
    sourcePrefix: str('sourcePrefix'),
    destinationBucketName: str('destinationBucket'),
    destinationPrefix: str('destinationPrefix'),
    formats: Array.isArray(formats) ? formats.map(String) : str('formats')?.split(','),
    layout: str('layout'),
    fields: str('fields'),
    logGroupFormats: typeof logGroupFormats === 'string' ? JSON.parse(logGroupFormats) : logGroupFormats,
    workerMemoryMiB: num('workerMemoryMiB'),
    workerTimeout: timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds),
    mapConcurrency: num('mapConcurrency'),
    maxItemsPerBatch: num('maxItemsPerBatch'),
    toleratedFailurePercentage: num('toleratedFailurePercentage'),
    realTime: realTime === true || realTime === 'true',
    queueBatchSize: num('queueBatchSize'),
    accounts: str('accounts')?.split(','),
    regions: str('regions')?.split(','),
    compactMemoryMiB: num('compactMemoryMiB'),
    compactDaysPerBatch: num('compactDaysPerBatch'),
    compactConcurrency: num('compactConcurrency'),
    compactTargetMiB: num('compactTargetMiB'),
    securityLake: securityLakeContext(node.tryGetContext('securityLake')),
  };
}

function securityLakeContext(value: unknown) {
  try {
    return securityLakeFromContext(value);
  } catch (err) {
    if (err instanceof SecurityLakeSettingsError) throw new SecurityLakeSettingsError(`context ${err.message}`);
    throw err;
  }
}
