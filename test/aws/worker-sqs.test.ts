import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createWorker, type Worker } from '../../src/aws/worker.js';
import { dataEnvelope, firehoseObject, gz, LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';
import { s3Notification } from '../support/s3-notifications.js';
import {
  type S3TestServer,
  startS3ServerForFunctions,
  TEST_CREDENTIALS,
  TEST_REGION,
  uniqueBucketName,
} from '../support/s3-server.js';
import { pollOnce } from './sqs-poller.js';

const V2_HEADER =
  'timestamp,version,account-id,interface-id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log-status';

describe('worker on the real-time path (SQS from fauxqs, S3 emulator)', () => {
  let server: S3TestServer;
  let sqs: SQSClient;
  let worker: Worker;
  const source = uniqueBucketName('rt-src');
  const dest = uniqueBucketName('rt-dst');
  const good = firehoseObject([
    dataEnvelope([
      { timestamp: 1580515180000, message: LINE_OK },
      { timestamp: 1580515181000, message: LINE_NODATA },
    ]),
  ]);
  const broken = gz('{"messageType":"DATA_MESSAGE","logEvents":[').subarray(0, 25); // a cut-off gzip stream
  const handler = (event: SQSEvent) => worker(event) as Promise<SQSBatchResponse>;

  before(async () => {
    server = await startS3ServerForFunctions(source, dest);
    await server.putObject(source, 'stash/2020/02/01/00/flow logs+1', good);
    await server.putObject(source, 'stash/2020/02/01/00/broken', broken);
    sqs = new SQSClient({ endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    worker = createWorker({
      config: {
        sourceBucket: source,
        sourcePrefix: 'stash/',
        destBucket: dest,
        destPrefix: 'out/',
        options: { to: ['csv'], layout: 'mirror' },
      },
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
  });

  after(async () => {
    await worker.close();
    sqs.destroy();
    await server.stop();
  });

  /** A queue with a DLQ after 3 receives, as the stack creates it (visibility 1 s here). */
  async function queueWithDlq(name: string) {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqArn = await queueArn(dlq.QueueUrl!);
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
        },
      }),
    );
    return { url: queue.QueueUrl!, arn: await queueArn(queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
  }

  async function queueArn(url: string): Promise<string> {
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return attrs.Attributes!.QueueArn!;
  }

  async function destText(key: string): Promise<string> {
    const object = await server.client.send(new GetObjectCommand({ Bucket: dest, Key: key }));
    return gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
  }

  it('converts objects named by S3 notification bodies and ignores the s3:TestEvent', async () => {
    const q = await queueWithDlq('convert');
    const bodies = [
      JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: source }),
      s3Notification(source, [{ key: 'stash/2020/02/01/00/flow logs+1', size: good.length }]),
    ];
    for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));

    const response = await pollOnce(sqs, q.url, q.arn, handler);
    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(await pollOnce(sqs, q.url, q.arn, handler), undefined, 'both messages deleted');
    const csv = (await destText('out/2020/02/01/00/flow logs+1.csv.gz')).trimEnd().split('\n');
    assert.equal(csv[0], V2_HEADER);
    assert.equal(csv.length, 3);
    assert.match(csv[1], /^2020-01-31T23:59:40\.000Z,2,123456789012,eni-0a1b2c3d4e5f60718,10\.0\.1\.23,/);
  });

  it('reports exactly the message of the bad object as failed in a mixed batch', async () => {
    const q = await queueWithDlq('mixed');
    const ids: Record<string, string> = {};
    for (const key of ['stash/2020/02/01/00/flow logs+1', 'stash/2020/02/01/00/broken']) {
      const sent = await sqs.send(
        new SendMessageCommand({ QueueUrl: q.url, MessageBody: s3Notification(source, [{ key, size: 1 }]) }),
      );
      ids[key] = sent.MessageId!;
    }
    const bare = await sqs.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: JSON.stringify({ bucket: source, key: 'stash/2020/02/01/00/flow logs+1' }),
      }),
    );

    const response = await pollOnce(sqs, q.url, q.arn, handler);
    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: ids['stash/2020/02/01/00/broken'] }] });
    assert.notEqual(bare.MessageId, ids['stash/2020/02/01/00/broken']);
  });

  it('moves a poison message to the DLQ after 3 receives', async () => {
    const q = await queueWithDlq('poison');
    const body = s3Notification(source, [{ key: 'stash/2020/02/01/00/broken', size: broken.length }]);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));

    let handled = 0;
    for (let round = 0; round < 10; round++) {
      const response = await pollOnce(sqs, q.url, q.arn, handler);
      if (!response) break;
      handled += 1;
      assert.equal(response.batchItemFailures.length, 1);
    }
    assert.equal(handled, 3, 'handled on each of its 3 receives, then no longer delivered');
    const inDlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.dlqUrl, MaxNumberOfMessages: 10 }));
    assert.equal(inDlq.Messages?.length, 1);
    assert.equal(inDlq.Messages?.[0].Body, body);
  });
});
