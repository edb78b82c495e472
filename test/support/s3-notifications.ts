import type { SQSEvent } from 'aws-lambda';
import { TEST_REGION } from './s3-server.js';

/** The body S3 sends to SQS for new objects (keys URL-encoded the way S3 does it; ETags bare, as S3 sends them). */
export function s3Notification(
  bucket: string,
  objects: ReadonlyArray<{ readonly key: string; readonly size: number; readonly etag?: string }>,
): string {
  const encode = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return JSON.stringify({
    Records: objects.map(({ key, size, etag }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: TEST_REGION,
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: bucket },
        object: { key: encode(key), size, ...(etag ? { eTag: etag.replaceAll('"', '') } : {}) },
      },
    })),
  });
}

/** An SQS event as Lambda's event source mapping hands it over: one record per body, ids `m0`, `m1`, … */
export function sqsEvent(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m${i}`,
      receiptHandle: `receipt-${i}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:flowlake',
      awsRegion: TEST_REGION,
    })),
  };
}
