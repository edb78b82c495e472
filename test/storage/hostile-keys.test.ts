/**
 * Keys are names, never paths: S3 keys holding `..`, `.`, empty segments, backslashes or control characters
 * convert into a local folder without a single file landing outside it, under names that decode back to them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { rejectsKey } from '../../src/convert/rejects.js';
import { convert } from '../../src/convert/run.js';
import { markerKey } from '../../src/lake/markers.js';
import { decodeSegment, encodeSegment, isEncodedName, keyToSegments } from '../../src/storage/key-names.js';
import { LocalStorage } from '../../src/storage/local.js';
import { S3Storage } from '../../src/storage/s3.js';
import { filesUnder } from '../support/files.js';
import { gz, LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';
import { type ListingServer, startListingServer } from '../support/listing-server.js';
import { useTestCredentials } from '../support/s3-server.js';
import { tempDir } from '../support/temp-dir.js';

describe('key segment encoding', () => {
  it('encodes the segments a file system would read as something else, and nothing more', () => {
    const examples: [string, string][] = [
      ['', '%'],
      ['.', '%2E'],
      ['..', '%2E%2E'],
      ['...', '...'],
      ['a\\..\\b', 'a%5C..%5Cb'],
      ['100%', '100%25'],
      ['%2E%2E', '%252E%252E'],
      ['tab\there', 'tab%09here'],
      ['nul\x00del\x7f', 'nul%00del%7F'],
      ['.flowlake-tmp-x', '%2Eflowlake-tmp-x'],
      ['.hidden', '.hidden'],
      ['2020-02-01T00:00Z_fl-1.log.gz', '2020-02-01T00:00Z_fl-1.log.gz'],
      ['é ü 😀', 'é ü 😀'],
    ];
    for (const [segment, name] of examples) {
      assert.equal(encodeSegment(segment), name, JSON.stringify(segment));
      assert.equal(decodeSegment(name), segment, name);
      assert.ok(isEncodedName(name), name);
    }
  });

  it('is reversible and never yields a separator or a dot segment, for any string', () => {
    const alphabet = ['.', '%', '\\', '/', '\x00', '\x1f', '\x7f', 'a', '2', 'E', '_', '-', ' ', 'é'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const names = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      let key = '';
      const length = next() % 12;
      for (let j = 0; j < length; j++) key += alphabet[next() % alphabet.length];
      const segments = keyToSegments(key);
      for (const name of segments) {
        assert.ok(name !== '' && name !== '.' && name !== '..', JSON.stringify(key));
        assert.ok(!/[/\\\x00-\x1f\x7f]/.test(name), JSON.stringify(name));
      }
      const path = segments.join('/');
      assert.equal(segments.map(decodeSegment).join('/'), key);
      const earlier = names.get(path);
      assert.ok(earlier === undefined || earlier === key, `${JSON.stringify(earlier)} and ${JSON.stringify(key)}`);
      names.set(path, key);
    }
  });

  it('a local storage writes and reads a hostile key inside its folder, and lists it under the same key', async () => {
    const parent = tempDir();
    const root = join(parent, 'root');
    mkdirSync(root);
    const storage = new LocalStorage(root);
    const keys = ['../../up', '/lead', 'a/./b', 'a//c', 'a/..', 'x\\..\\y', '%2E%2E'];
    for (const key of keys) await storage.writeSmall(key, key);
    assert.ok(filesUnder(parent).every((file) => file.startsWith('root/')));
    const listed: string[] = [];
    for await (const info of storage.list()) listed.push(info.key);
    assert.deepEqual(listed.sort(), [...keys].sort());
    for (const key of keys) assert.equal((await storage.readSmall(key))?.toString(), key);
  });
});

describe('an S3 destination keeps keys as they are, under its prefix', () => {
  it('markers and rejects of hostile keys are the prefix plus the key, never resolved', () => {
    const dest = new S3Storage('lake', 'out/', { endpointUrl: 'http://127.0.0.1:9' });
    for (const key of ['../../x', '/lead', 'a/./b', 'a//c', 'x\\..\\y']) {
      for (const derived of [markerKey(key), rejectsKey(key)]) {
        assert.equal(dest.fullKey(derived), `out/${derived}`);
      }
    }
    assert.equal(dest.fullKey('/lead'), 'out//lead');
  });
});

describe('a local source with a name outside the encoding', () => {
  it('lists the file and fails it by name rather than dropping it', async () => {
    const src = tempDir();
    writeFileSync(join(src, 'ok.log'), `${LINE_OK}\n`);
    writeFileSync(join(src, 'back\\slash.log'), `${LINE_OK}\n`);
    const report = await convert(src, join(tempDir(), 'out'), { concurrency: 1 });
    assert.equal(report.objects.converted, 1);
    assert.deepEqual(
      report.failures.map((f) => f.key),
      ['back\\slash.log'],
    );
    assert.match(report.failures[0].error, /no such file/);
  });
});

describe('converting S3 keys that look like paths into a local folder', () => {
  const escapeName = `flowlake-escape-${randomBytes(6).toString('hex')}`;
  const relativeKeys = [
    '../../x',
    `../../../../../../tmp/${escapeName}`,
    './a',
    '/b',
    '//lead',
    'a\\..\\b',
    '..',
    '.',
    'ctl\x01\x1f\x7f/c',
    '%2E%2E/literal',
    '.flowlake-tmp-z',
    'plain/ok.gz',
  ];
  // One good line and one the format rejects in each object: every object writes an output, a rejects file
  // and a completion marker.
  const body = gz(`${LINE_OK}\n${LINE_NODATA}\nnot a flow log\n`);
  let server: ListingServer;
  let parent: string;
  let dst: string;

  before(async () => {
    useTestCredentials();
    const objects = new Map(relativeKeys.map((key) => [`f/${key}`, body]));
    objects.set('f/../_flowlake/done/evil.json', body); // a key aiming at the bookkeeping folder
    objects.set('elsewhere/not-listed', body);
    server = await startListingServer('stash', objects);
    parent = tempDir('flowlake-keys-');
    dst = join(parent, 'out', 'dst');
    mkdirSync(dst, { recursive: true });
  });

  after(async () => {
    await server?.stop();
  });

  it('writes every output, marker, rejects file and temp file inside the destination', async () => {
    const report = await convert('s3://stash/f/', dst, { endpointUrl: server.endpoint, concurrency: 1 });
    assert.deepEqual(report.failures, []);
    assert.equal(report.objects.converted, relativeKeys.length);
    assert.equal(report.rows, relativeKeys.length * 2);

    assert.ok(!existsSync(join('/tmp', `${escapeName}.csv.gz`)));
    const files = filesUnder(parent);
    const outside = files.filter((file) => !file.startsWith('out/dst/'));
    assert.deepEqual(outside, []);

    // Every file name decodes back to the key it was written for.
    const keys = filesUnder(dst).map((file) => file.split('/').map(decodeSegment).join('/'));
    const expected = relativeKeys.flatMap((key) => {
      const base = key.endsWith('.gz') ? key.slice(0, -3) : key;
      return [`${base}.csv.gz`, `_flowlake/done/${key}.json`, `_flowlake/rejects/${key}.rejects.jsonl.gz`];
    });
    assert.deepEqual(keys.sort(), expected.sort());

    // The bookkeeping folder holds only markers and rejects of real sources; the key aiming at it was not
    // taken for a source.
    assert.ok(!server.gets.some((key) => key.includes('_flowlake')));
    const marker = JSON.parse(readFileSync(join(dst, '_flowlake', 'done', '%2E%2E', '%2E%2E', 'x.json'), 'utf8')) as {
      source: { key: string };
    };
    assert.equal(marker.source.key, '../../x');
    const csv = gunzipSync(readFileSync(join(dst, '%2E%2E', '%2E%2E', 'x.csv.gz'))).toString();
    assert.equal(csv.trim().split('\n').length, 3);
  });

  it('a re-run finds every marker and skips every object', async () => {
    const report = await convert('s3://stash/f/', dst, { endpointUrl: server.endpoint, concurrency: 1 });
    assert.deepEqual(report.objects, {
      total: relativeKeys.length,
      converted: 0,
      skipped: relativeKeys.length,
      failed: 0,
    });
  });
});
