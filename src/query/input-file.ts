import { readFile, stat } from 'node:fs/promises';
import { QueryInputError } from './errors.js';

/**
 * A small input file (an address list, an interfaces file) read whole, refused past `maxBytes`: a file that
 * large is the wrong file, and reading it would hold it all in memory.
 */
export async function readInputFile(path: string, what: string, maxBytes: number): Promise<string> {
  try {
    const info = await stat(path);
    if (info.size > maxBytes) {
      throw new QueryInputError(
        `${path}: ${what} of ${info.size.toLocaleString('en-US')} bytes (more than ${maxBytes / 2 ** 20} MiB)`,
      );
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof QueryInputError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new QueryInputError(`${path}: cannot read the ${what} (${e.code ?? e.message})`);
  }
}
