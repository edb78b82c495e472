import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { flowLine, makeInterfaces, SAMPLE_FORMATS, type SampleFormatName } from './flows.js';
import { Random } from './random.js';

export interface SampleOptions {
  /** Objects to write. */
  readonly objects?: number;
  /** Flow-log events per object. */
  readonly events?: number;
  readonly format?: SampleFormatName;
  readonly seed?: number;
  /** Capture time of the first object (epoch s). */
  readonly startTime?: number;
}

export interface SampleSummary {
  readonly objects: number;
  readonly events: number;
  readonly controlMessages: number;
  readonly bytes: number;
  readonly keys: readonly string[];
  /** The log group every data envelope names (give it a format with --log-group-format for v5). */
  readonly logGroup: string;
}

const FIREHOSE_STREAM = 'central-vpc-flow-logs';

/**
 * Writes a stash the way CloudWatch Logs → Firehose → S3 leaves it: objects with no extension under
 * `YYYY/MM/DD/HH/`, each a multi-member gzip of back-to-back JSON envelopes (one member per envelope), with
 * CONTROL_MESSAGE health checks among the DATA_MESSAGEs.
 */
export async function writeSampleStash(dir: string, options: SampleOptions = {}): Promise<SampleSummary> {
  const objects = options.objects ?? 8;
  const eventsPerObject = options.events ?? 5000;
  const formatName = options.format ?? 'v2';
  const format = SAMPLE_FORMATS[formatName];
  const random = new Random(options.seed ?? 1);
  const interfaces = makeInterfaces(random, 40);
  const logGroup = formatName === 'v2' ? 'vpc-flow-logs' : `vpc-flow-logs-${formatName}`;
  let time = options.startTime ?? 1_580_515_200; // 2020-02-01T00:00:00Z
  let controlMessages = 0;
  let bytes = 0;
  const keys: string[] = [];

  for (let o = 0; o < objects; o++) {
    const members: Buffer[] = [];
    let remaining = eventsPerObject;
    const objectTime = time;
    while (remaining > 0) {
      if (random.next() < 0.02) {
        members.push(gzipSync(controlEnvelope(time)));
        controlMessages++;
      }
      const eni = random.pick(interfaces);
      const count = Math.min(remaining, random.int(20, 200));
      const logEvents = [];
      // CloudWatch event ids are 56 digits; those of one envelope share a long prefix.
      const idPrefix = random.hex(40).replace(/[a-f]/g, '3');
      for (let e = 0; e < count; e++) {
        const end = time + random.int(0, 5);
        const message = flowLine(random, format, eni, end);
        logEvents.push({
          id: `${idPrefix}${String(e).padStart(16, '0')}`,
          timestamp: end * 1000 + random.int(0, 999),
          message,
        });
      }
      time += random.int(0, 2);
      remaining -= count;
      const envelope = {
        messageType: 'DATA_MESSAGE',
        owner: eni.account,
        logGroup,
        logStream: `${eni.eni}-all`,
        subscriptionFilters: ['central-flow-logs-to-firehose'],
        logEvents,
      };
      members.push(gzipSync(JSON.stringify(envelope), { level: 6 }));
    }
    const key = objectKey(objectTime, random);
    const body = Buffer.concat(members);
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), body);
    bytes += body.length;
    keys.push(key);
    time += 60;
  }
  return { objects, events: objects * eventsPerObject, controlMessages, bytes, keys, logGroup };
}

function controlEnvelope(time: number): string {
  return JSON.stringify({
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [
      { id: '', timestamp: time * 1000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' },
    ],
  });
}

/** Firehose's own naming: `YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>`. */
function objectKey(epochSeconds: number, random: Random): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  const [y, mo, d, h, mi, s] = [
    iso.slice(0, 4),
    iso.slice(5, 7),
    iso.slice(8, 10),
    iso.slice(11, 13),
    iso.slice(14, 16),
    iso.slice(17, 19),
  ];
  const uuid = `${random.hex(8)}-${random.hex(4)}-${random.hex(4)}-${random.hex(4)}-${random.hex(12)}`;
  return `${y}/${mo}/${d}/${h}/${FIREHOSE_STREAM}-1-${y}-${mo}-${d}-${h}-${mi}-${s}-${uuid}`;
}
