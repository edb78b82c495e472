import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDestination, parseConvertOptions, readWorkerConfig, withBatchInput } from '../../src/aws/config.js';
import type { Storage } from '../../src/storage/types.js';

const BUCKETS = { SOURCE_BUCKET: 'stash', DEST_BUCKET: 'flowlake-dest', DEST_PREFIX: 'out/' };

describe('worker configuration for OCSF (Security Lake)', () => {
  it('reads FORMATS=ocsf with LAYOUT=ocsf, FLOW_REGION, SOURCE_VERSION and OUTPUT_URL', () => {
    const config = readWorkerConfig({
      ...BUCKETS,
      FORMATS: 'ocsf',
      LAYOUT: 'ocsf',
      FLOW_REGION: 'eu-west-1',
      SOURCE_VERSION: '2.0',
      OUTPUT_URL: 's3://aws-security-data-lake-eu-west-1-abc/ext/vpcflow',
      AWS_REGION: 'us-east-1',
    });
    assert.equal(config.outputUrl, 's3://aws-security-data-lake-eu-west-1-abc/ext/vpcflow/');
    assert.deepEqual(config.options, {
      to: ['ocsf'],
      layout: 'ocsf',
      region: 'us-east-1',
      flowRegion: 'eu-west-1',
      sourceVersion: '2.0',
    });
  });

  it("takes the ocsf layout by default for ocsf, and the function's own region for rows without one", () => {
    const options = readWorkerConfig({ ...BUCKETS, FORMATS: 'ocsf', AWS_REGION: 'ap-south-1' }).options;
    assert.equal(options.layout, 'ocsf');
    assert.equal(options.flowRegion, 'ap-south-1');
    // Other layouts carry no OCSF options, whatever the environment says.
    const hive = readWorkerConfig({
      ...BUCKETS,
      FORMATS: 'parquet',
      LAYOUT: 'hive',
      FLOW_REGION: 'x',
      SOURCE_VERSION: '1',
    });
    assert.deepEqual(Object.keys(hive.options).sort(), ['layout', 'to']);
  });

  it('refuses what the CLI refuses: ocsf with another layout or format, the ocsf layout without it, a forced lake, bad values', () => {
    assert.throws(() => parseConvertOptions({ formats: 'ocsf', layout: 'hive' }), /not --layout hive/);
    assert.throws(() => parseConvertOptions({ formats: 'ocsf,parquet', region: 'us-east-1' }), /writes OCSF alone/);
    assert.throws(() => parseConvertOptions({ formats: 'parquet', layout: 'ocsf' }), /layout of --to ocsf only/);
    assert.throws(() => parseConvertOptions({ formats: 'ocsf' }), /no region field/);
    assert.throws(() => parseConvertOptions({ formats: 'ocsf', fields: 'v2', flowRegion: 'EU' }), /not a region/);
    assert.throws(
      () => parseConvertOptions({ formats: 'ocsf', region: 'us-east-1', sourceVersion: 'v 1' }),
      /source-version "v 1"/,
    );
    assert.throws(() => readWorkerConfig({ ...BUCKETS, OUTPUT_URL: 'bucket/prefix' }), /OUTPUT_URL must be an s3:/);
    // Converting into a lake again would count its rows twice; the mirror layout may.
    assert.throws(
      () => readWorkerConfig({ ...BUCKETS, FORMATS: 'parquet', LAYOUT: 'hive', FORCE: 'true' }),
      /FORCE cannot be used with the hive layout/,
    );
    assert.equal(readWorkerConfig({ ...BUCKETS, FORMATS: 'csv', FORCE: 'true' }).options.force, true);
  });

  it('lets the batch settings carry flowRegion and sourceVersion over the environment', () => {
    const config = readWorkerConfig({ ...BUCKETS, FORMATS: 'ocsf', AWS_REGION: 'us-east-1' });
    const merged = withBatchInput(config, {
      settings: { formats: ['ocsf'], flowRegion: 'eu-north-1', sourceVersion: '3' },
    });
    assert.equal(merged.options.flowRegion, 'eu-north-1');
    assert.equal(merged.options.sourceVersion, '3');
    assert.equal(merged.options.layout, 'ocsf');
  });
});

describe('openDestination', () => {
  const opened: string[] = [];
  const open = async (url: string) => {
    opened.push(url);
    return { root: url } as unknown as Storage;
  };

  it('is the destination prefix alone without OUTPUT_URL', async () => {
    opened.length = 0;
    const dest = await openDestination(readWorkerConfig(BUCKETS), open);
    assert.equal(dest.root, 's3://flowlake-dest/out/');
    assert.deepEqual(opened, ['s3://flowlake-dest/out/']);
  });

  it('writes data to OUTPUT_URL and keeps _flowlake/ under the destination prefix', async () => {
    opened.length = 0;
    const config = readWorkerConfig({ ...BUCKETS, OUTPUT_URL: 's3://lake/ext/vpcflow/' });
    const dest = await openDestination(config, open);
    assert.equal(dest.root, 's3://lake/ext/vpcflow/');
    assert.deepEqual(opened.sort(), ['s3://flowlake-dest/out/', 's3://lake/ext/vpcflow/']);
  });
});
