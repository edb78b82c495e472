import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lakeDaysOf, resultsOfChild } from '../../src/aws/summary.js';
import type { ObjectResult } from '../../src/convert/types.js';

describe('summary: reading Distributed Map result records', () => {
  it('takes the per-object results a child execution returned', () => {
    const result = { key: '2024/a', status: 'converted', rows: 3 };
    const records = resultsOfChild(
      { Status: 'SUCCEEDED', Input: '{"Items":[]}', Output: JSON.stringify({ results: [result] }) },
      'stash/',
    );
    assert.deepEqual(records, [result]);
  });

  it('fails every source object of a crashed batch with the Lambda error, keys relative to the source', () => {
    const batch = {
      Items: [
        { Key: 'stash/2024/a', Size: 10, Etag: '"1"' },
        { Key: 'stash/2024/', Size: 0, Etag: '"2"' },
        { Key: 'stash/2024/b', Size: 20, Etag: '"3"' },
      ],
      BatchInput: { settings: { formats: ['csv'] } },
    };
    const cause = JSON.stringify({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 600.00 seconds',
    });
    const records = resultsOfChild(
      { Status: 'FAILED', Input: JSON.stringify(batch), Error: 'Sandbox.Timedout', Cause: cause },
      'stash/',
    );
    assert.deepEqual(
      records.map((r) => [r.key, r.status, r.error]),
      [
        ['2024/a', 'failed', 'Sandbox.Timedout: Task timed out after 600.00 seconds'],
        ['2024/b', 'failed', 'Sandbox.Timedout: Task timed out after 600.00 seconds'],
      ],
    );
  });

  it('keeps a plain-text cause as it is', () => {
    const records = resultsOfChild(
      { Status: 'FAILED', Input: '{"Items":[{"Key":"x"}]}', Error: 'States.Timeout', Cause: 'heartbeat missed' },
      '',
    );
    assert.equal(records[0].error, 'States.Timeout: heartbeat missed');
  });

  it('lists the lake days the converted and skipped objects wrote, not the failed ones or other outputs', () => {
    const hour = (account: string, day: string, h: string) =>
      `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=eu-west-1/year=${day.slice(0, 4)}/month=${day.slice(4, 6)}/day=${day.slice(6)}/hour=${h}/o.parquet`;
    const result = (status: ObjectResult['status'], outputs: string[]) =>
      ({ status, outputs }) as unknown as ObjectResult;
    assert.deepEqual(
      lakeDaysOf([
        result('converted', [hour('111122223333', '20200202', '00'), hour('111122223333', '20200201', '23')]),
        result('skipped', [hour('444455556666', '20200131', '05'), '2020/01/31/x.csv.gz']),
        result('converted', [hour('444455556666', '20200202', '01')]),
        result('failed', [hour('111122223333', '20200301', '00')]),
        result('converted', ['2020/03/02/y.csv.gz', 'AWSLogs/aws-account-id=1/day=x/hour=00/z.parquet']),
      ]),
      ['20200131', '20200201', '20200202'],
    );
  });
});
