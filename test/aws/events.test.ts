import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeS3EventKey,
  EventShapeError,
  isMapBatchEvent,
  isSqsEvent,
  objectFromMapItem,
  objectsFromSqsBody,
} from '../../src/aws/events.js';

function notification(eventName: string, key: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName,
        s3: { bucket: { name: 'stash' }, object: { key, size: 42, eTag: 'abc123', ...extra } },
      },
    ],
  });
}

describe('S3 event keys', () => {
  it('decodes + as a space and %XX as UTF-8 bytes', () => {
    assert.equal(decodeS3EventKey('logs/2024/a+b%2Bc%C3%A9.gz'), 'logs/2024/a b+cé.gz');
  });
});

describe('objectsFromSqsBody', () => {
  it('takes bucket, decoded key, size and the quoted ETag from an ObjectCreated notification', () => {
    assert.deepEqual(objectsFromSqsBody(notification('ObjectCreated:Put', 'in/x+y%3D1')), [
      { bucket: 'stash', key: 'in/x y=1', size: 42, etag: '"abc123"' },
    ]);
  });

  it('ignores the s3:TestEvent S3 sends when notifications are configured', () => {
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'stash', RequestId: 'r' });
    assert.deepEqual(objectsFromSqsBody(body), []);
  });

  it('ignores records that do not create objects', () => {
    assert.deepEqual(objectsFromSqsBody(notification('ObjectRemoved:Delete', 'in/gone')), []);
  });

  it('accepts a hand-written {bucket, key} body, without size or ETag', () => {
    assert.deepEqual(objectsFromSqsBody('{"bucket":"stash","key":"in/a b"}'), [{ bucket: 'stash', key: 'in/a b' }]);
  });

  it('rejects bodies that are not JSON or name no object', () => {
    assert.throws(() => objectsFromSqsBody('not json'), EventShapeError);
    assert.throws(() => objectsFromSqsBody('{"hello":1}'), EventShapeError);
    assert.throws(() => objectsFromSqsBody('{"Records":[{"eventName":"ObjectCreated:Put","s3":{}}]}'), EventShapeError);
  });
});

describe('event shapes', () => {
  it('tells a Distributed Map batch from an SQS event', () => {
    const batch = { Items: [{ Key: 'in/a', Size: 1, Etag: '"e"' }], BatchInput: {} };
    const sqs = { Records: [{ eventSource: 'aws:sqs', body: '{}' }] };
    assert.equal(isMapBatchEvent(batch), true);
    assert.equal(isSqsEvent(batch), false);
    assert.equal(isSqsEvent(sqs), true);
    assert.equal(isMapBatchEvent(sqs), false);
    assert.equal(isSqsEvent({ Records: [{ eventSource: 'aws:s3' }] }), false);
  });

  it('keeps a map item ETag quoted as listings give it', () => {
    assert.deepEqual(objectFromMapItem({ Key: 'in/a', Size: 5, Etag: '"e1"' }, 'stash'), {
      bucket: 'stash',
      key: 'in/a',
      size: 5,
      etag: '"e1"',
    });
  });
});
