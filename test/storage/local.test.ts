import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalStorage } from '../../src/storage/local.js';
import { readAll } from '../support/bytes.js';
import { tempDir } from '../support/temp-dir.js';

describe('a local folder as storage', () => {
  it('reads a file whole, also one that has grown past the listed size since the listing', async () => {
    const dir = tempDir();
    const storage = new LocalStorage(dir);
    const small = Buffer.from('a small object');
    const grown = Buffer.alloc(3 * 1024 * 1024, 'x');
    writeFileSync(join(dir, 'small'), small);
    writeFileSync(join(dir, 'grown'), grown);
    assert.deepEqual(await readAll(await storage.openRead('small', { size: small.length })), small);
    // Listed at 10 bytes, 3 MiB now: streamed, every byte.
    assert.deepEqual(await readAll(await storage.openRead('grown', { size: 10 })), grown);
    await assert.rejects(storage.openRead('missing', { size: 10 }), { code: 'ENOENT' });
    assert.equal(await storage.readSmall('missing'), undefined);
  });

  it('writes an output only on commit, and leaves nothing after an abort', async () => {
    const dir = tempDir();
    const storage = new LocalStorage(dir);
    const write = storage.writeAtomic('a/b/out.csv.gz');
    write.stream.write(Buffer.from('first '));
    write.stream.write(Buffer.from('second'));
    write.stream.end();
    await write.commit();
    assert.equal((await storage.readSmall('a/b/out.csv.gz'))?.toString(), 'first second');

    const aborted = storage.writeAtomic('a/b/other.csv.gz');
    aborted.stream.write(Buffer.from('never seen'));
    await aborted.abort();
    assert.deepEqual(readdirSync(join(dir, 'a/b')), ['out.csv.gz']);

    const empty = storage.writeAtomic('a/b/empty.csv.gz');
    empty.stream.end();
    await empty.commit();
    assert.equal((await storage.readSmall('a/b/empty.csv.gz'))?.length, 0);
  });

  it('a write that cannot land fails and leaves no temp file', async () => {
    const dir = tempDir();
    const storage = new LocalStorage(dir);
    mkdirSync(join(dir, 'taken.json')); // a folder where the marker should go
    await assert.rejects(storage.writeSmall('taken.json', '{}'), { code: 'EISDIR' });
    const write = storage.writeAtomic('taken.json');
    write.stream.end(Buffer.from('{}'));
    await assert.rejects(write.commit(), { code: 'EISDIR' });
    await write.abort();
    assert.deepEqual(readdirSync(dir), ['taken.json']);
    assert.deepEqual(readdirSync(join(dir, 'taken.json')), []);
  });
});
