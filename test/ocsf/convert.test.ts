import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { convert } from '../../src/convert/run.js';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import { zstdAvailable } from '../../src/encode/parquet/codecs.js';
import { resolveFormat } from '../../src/formats/format.js';
import { OcsfOptionsError } from '../../src/ocsf/options.js';
import { flowlake } from '../support/cli.js';
import { dataEnvelope, firehoseObject } from '../support/flow-inputs.js';
import { jsonFormOfRow, validateNetworkActivity } from '../support/ocsf-validator.js';
import { tempDir } from '../support/temp-dir.js';
import { lineOf } from './lines.js';

const v5 = resolveFormat('v5');
const DAY = 86_400;
const DAY1 = 1580515200; // 2020-02-01T00:00:00Z

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

/** A stash of Firehose objects of v5 lines: `objects` of them, each a list of field overrides per line. */
function stash(dir: string, objects: readonly (readonly Record<string, string>[])[]): void {
  objects.forEach((lines, i) => {
    const folder = join(dir, '2020', '02', '01', String(i).padStart(2, '0'));
    mkdirSync(folder, { recursive: true });
    const events = lines.map((values, k) => ({ timestamp: (DAY1 + k) * 1000, message: lineOf(v5, values) }));
    writeFileSync(join(folder, `stream-${i}`), firehoseObject([dataEnvelope(events)]));
  });
}

async function readFile(path: string): Promise<Record<string, unknown>[]> {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  return (await parquetReadObjects({ file, compressors: PAGE_DECOMPRESSORS })) as Record<string, unknown>[];
}

describe('convert --to ocsf', () => {
  it("writes Security Lake's partitions, one file per partition, rows sorted by time, every record valid", async () => {
    const src = tempDir('flowlake-ocsf-src-');
    const dst = tempDir('flowlake-ocsf-dst-');
    // Two objects; their rows out of time order, over two days and two accounts, one row of an unknown account.
    stash(src, [
      [
        { start: String(DAY1 + 300), end: String(DAY1 + 360) },
        { start: String(DAY1 + 100), end: String(DAY1 + 160), 'account-id': '210987654321' },
        { start: String(DAY1 + DAY + 5), end: String(DAY1 + DAY + 65) },
      ],
      [
        { start: String(DAY1 + 200), end: String(DAY1 + 260), action: 'REJECT' },
        { start: String(DAY1 + 50), end: String(DAY1 + 110), 'account-id': 'unknown' },
        {
          start: String(DAY1 + 60),
          end: String(DAY1 + 120),
          'log-status': 'NODATA',
          action: '-',
          srcaddr: '-',
          dstaddr: '-',
          'pkt-srcaddr': '-',
          'pkt-dstaddr': '-',
          packets: '-',
          bytes: '-',
        },
      ],
    ]);
    const report = await convert(src, dst, { to: ['ocsf'], fields: 'v5', concurrency: 1 });
    assert.equal(report.objects.converted, 2);
    assert.equal(report.rows, 6);
    assert.equal(report.externalAccountRows, 1);
    const data = files(dst).filter((f) => !f.startsWith('_flowlake'));
    assert.deepEqual(
      data.map((f) => f.slice(0, f.lastIndexOf('/'))),
      [
        'region=eu-west-1/accountId=123456789012/eventDay=20200201',
        'region=eu-west-1/accountId=123456789012/eventDay=20200202',
        'region=eu-west-1/accountId=210987654321/eventDay=20200201',
        'region=eu-west-1/accountId=external/eventDay=20200201',
      ],
    );
    const first = await readFile(join(dst, data[0]));
    assert.deepEqual(
      first.map((r) => [Number(r.time) / 1000 - DAY1, r.activity_name, r.status_code]),
      [
        [60, 'Unknown', 'NODATA'],
        [200, 'Refuse', 'OK'],
        [300, 'Traffic', 'OK'],
      ],
    );
    for (const f of data) {
      for (const row of await readFile(join(dst, f))) {
        assert.deepEqual(validateNetworkActivity(jsonFormOfRow(row), { allowDashInTypedStrings: true }), [], f);
      }
    }
    const external = await readFile(join(dst, data[3]));
    assert.deepEqual((external[0].cloud as { account: unknown }).account, { uid: 'unknown' });
    const bytes = readFileSync(join(dst, data[0]));
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    const codec = meta.row_groups[0].columns[0].meta_data?.codec;
    assert.equal(codec, zstdAvailable() ? 'ZSTD' : 'GZIP');
  });

  it('rejects records whose times are "-" with their reason, keeps them in rejects, and names no NaN day', async () => {
    const src = tempDir('flowlake-ocsf-src-');
    const dst = tempDir('flowlake-ocsf-dst-');
    stash(src, [[{ start: '-' }, { end: '-' }, {}]]);
    const report = await convert(src, dst, { to: ['ocsf'], fields: 'v5', concurrency: 1 });
    assert.equal(report.rows, 1);
    assert.deepEqual(report.rejectedByReason, { 'ocsf: start is not a time': 1, 'ocsf: end is not a time': 1 });
    const rejects = files(dst).filter((f) => f.includes('rejects'));
    assert.equal(rejects.length, 1);
    const kept = gunzipSync(readFileSync(join(dst, rejects[0])))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).reason);
    assert.deepEqual(kept.sort(), ['ocsf: end is not a time', 'ocsf: start is not a time']);
    assert.ok(files(dst).every((f) => !f.includes('NaN') && !f.includes('unknown')));
  });

  it('writes under the source version, and takes --flow-region for formats without a region', async () => {
    const src = tempDir('flowlake-ocsf-src-');
    const dst = tempDir('flowlake-ocsf-dst-');
    const v2 = resolveFormat('v2');
    const folder = join(src, '2020', '02', '01', '00');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'obj'),
      firehoseObject([dataEnvelope([{ timestamp: DAY1 * 1000, message: lineOf(v2, { version: '2' }) }])]),
    );
    await convert(src, dst, { to: ['ocsf'], flowRegion: 'ap-south-1', sourceVersion: '2.0', concurrency: 1 });
    const data = files(dst).filter((f) => !f.startsWith('_flowlake'));
    assert.equal(data.length, 1);
    assert.match(data[0], /^2\.0\/region=ap-south-1\/accountId=123456789012\/eventDay=20200201\/[^/]+\.parquet$/);
    const [row] = await readFile(join(dst, data[0]));
    assert.equal((row.cloud as { region: string }).region, 'ap-south-1');
    assert.equal((row.metadata as { product: { version: string } }).product.version, '2');
  });

  it('refuses, before reading anything, formats without account-id or start, other layouts and kinds', async () => {
    const src = tempDir('flowlake-ocsf-src-');
    const dst = tempDir('flowlake-ocsf-dst-');
    const refused = async (options: Parameters<typeof convert>[2], message: RegExp) => {
      await assert.rejects(convert(join(src, 'missing'), dst, { concurrency: 1, ...options }), (err: Error) => {
        assert.ok(err instanceof OcsfOptionsError, err.message);
        assert.match(err.message, message);
        return true;
      });
    };
    await refused({ to: ['ocsf'], fields: '${srcaddr} ${dstaddr} ${region}' }, /has no account-id and no start/);
    await refused({ to: ['ocsf'], fields: '${account-id} ${end} ${region}' }, /has no start/);
    await refused({ to: ['ocsf'], layout: 'hive', fields: 'v5' }, /not --layout hive/);
    await refused({ to: ['ocsf', 'csv'], fields: 'v5' }, /writes OCSF alone/);
    await refused({ to: ['ocsf'] }, /no region field: name the flow logs' region with --flow-region/);
    await refused({ to: ['ocsf'], fields: 'v5', sourceVersion: 'a/b' }, /--source-version/);
    assert.deepEqual(files(dst), []);
  });

  it('the command exits 2 for those, naming the missing field', () => {
    const dst = tempDir('flowlake-ocsf-dst-');
    const missing = flowlake('convert', dst, join(dst, 'out'), '--to', 'ocsf', '--fields', '${srcaddr} ${end}');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no account-id and no start/);
    const layout = flowlake(
      'convert',
      dst,
      join(dst, 'out'),
      '--to',
      'ocsf',
      '--layout',
      'mirror',
      '--flow-region',
      'x',
    );
    assert.equal(layout.code, 2);
    assert.match(layout.stderr, /not --layout mirror/);
  });
});
