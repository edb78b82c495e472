import { gzipSync } from 'node:zlib';

/** Two v2 lines as AWS writes them: one accepted flow and a NODATA record. */
export const LINE_OK =
  '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.23 52.94.1.10 49152 443 6 10 840 1580515178 1580515187 ACCEPT OK';
export const LINE_NODATA = '2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1580515178 1580515187 - NODATA';

export interface TestEvent {
  readonly timestamp: number;
  readonly message: string;
}

export function dataEnvelope(events: readonly TestEvent[], logGroup = 'vpc-flow-logs'): Record<string, unknown> {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 'eni-0a1b2c3d4e5f60718-all',
    subscriptionFilters: ['to-firehose'],
    logEvents: events.map((e, i) => ({ id: String(i).padStart(56, '3'), ...e })),
  };
}

export function controlEnvelope(): Record<string, unknown> {
  return {
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [
      { id: '', timestamp: 1580515178000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' },
    ],
  };
}

/** Shape A: each envelope its own gzip member, members back to back (what CloudWatch Logs → Firehose writes). */
export function firehoseObject(envelopes: readonly Record<string, unknown>[]): Buffer {
  return Buffer.concat(envelopes.map((e) => gzipSync(JSON.stringify(e))));
}

export function gz(data: string | Buffer): Buffer {
  return gzipSync(data);
}
