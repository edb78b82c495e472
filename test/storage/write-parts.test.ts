import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { TempFile } from '../../src/storage/local-files.js';
import { writeParts } from '../../src/util/write-parts.js';
import { tempDir } from '../support/temp-dir.js';

describe('writeParts into a temp file', () => {
  it('lands every part in order, over several corked batches', async () => {
    const path = join(tempDir(), 'parts.bin');
    const file = new TempFile(path);
    const batches = [
      [Buffer.from('PAR1'), new Uint8Array([1, 2, 3]), Buffer.alloc(0)],
      [],
      [Buffer.alloc(3 << 20, 7), Buffer.from('PAR1')],
    ];
    for (const parts of batches) await writeParts(file, parts);
    file.end();
    await finished(file);
    const expected = Buffer.concat(batches.flat());
    assert.deepEqual(readFileSync(path), expected);
  });
});
