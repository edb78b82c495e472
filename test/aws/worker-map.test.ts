import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { parseConvertOptions, readWorkerConfig, withBatchInput } from '../../src/aws/config.js';
import { createWorker, type MapBatchResult } from '../../src/aws/worker.js';

describe('worker: Distributed Map batches without touching S3', () => {
  it('skips folder markers and flowlake files, fails keys outside the source prefix with the reason', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const worker = createWorker({
      config: {
        sourceBucket: 'stash',
        sourcePrefix: 'in/',
        destBucket: 'out-bucket',
        destPrefix: '',
        options: { to: ['csv'], layout: 'mirror' },
      },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    const response = (await worker({
      Items: [
        { Key: 'in/', Size: 0, Etag: '"d41d8cd98f00b204e9800998ecf8427e"' },
        { Key: 'in/out/_flowlake/done/a.json', Size: 2, Etag: '"e"' },
        { Key: 'elsewhere/a', Size: 5, Etag: '"e"' },
      ],
      BatchInput: { settings: { formats: ['csv'], layout: 'mirror' } },
    })) as MapBatchResult;
    await worker.close();
    assert.equal(response.results.length, 1);
    assert.equal(response.results[0].key, 'elsewhere/a');
    assert.equal(response.results[0].status, 'failed');
    assert.equal(response.results[0].error, 'key is outside the source prefix "in/"');
  });
});

describe('worker configuration', () => {
  it('reads the environment the stack sets', () => {
    const config = readWorkerConfig({
      SOURCE_BUCKET: 's',
      SOURCE_PREFIX: 'in/',
      DEST_BUCKET: 'd',
      DEST_PREFIX: 'out/',
      FORMATS: 'csv,parquet',
      LAYOUT: 'hive',
      FIELDS: '${version} ${srcaddr}',
      LOG_GROUP_FORMATS: '{"g":"${version}"}',
      AWS_REGION: 'eu-west-1',
    });
    assert.deepEqual(config, {
      sourceBucket: 's',
      sourcePrefix: 'in/',
      destBucket: 'd',
      destPrefix: 'out/',
      options: {
        to: ['csv', 'parquet'],
        layout: 'hive',
        fields: '${version} ${srcaddr}',
        logGroupFormats: { g: '${version}' },
        region: 'eu-west-1',
      },
    });
  });

  it('lets the batch settings of the state machine override the environment', () => {
    const config = readWorkerConfig({ SOURCE_BUCKET: 's', DEST_BUCKET: 'd', FORMATS: 'csv' });
    const merged = withBatchInput(config, { settings: { formats: ['jsonl'], layout: 'hive' } });
    assert.deepEqual(merged.options.to, ['jsonl']);
    assert.equal(merged.options.layout, 'hive');
  });

  it('refuses unknown formats and layouts, and a missing bucket', () => {
    assert.throws(() => parseConvertOptions({ formats: 'csv,xml' }), /unknown output format "xml"/);
    assert.throws(() => parseConvertOptions({ layout: 'flat' }), /unknown layout "flat"/);
    assert.throws(() => readWorkerConfig({ DEST_BUCKET: 'd' }), /SOURCE_BUCKET/);
  });
});
