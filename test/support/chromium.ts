import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  createReadStream,
  createWriteStream,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { defaultCacheRoot } from '../../src/query/cache.js';

/**
 * Finds a Chromium for the browser tests, without a system install or any download at test time:
 * 1. `FLOWLAKE_CHROMIUM`, when set: that executable (a wrong value is an error, never a fall-through);
 * 2. a system Chromium or Chrome on `PATH` (`PATH_NAMES`, in that order);
 * 3. the headless Chromium that the dev dependency `@sparticuz/chromium` ships inside its npm package (linux x64
 *    only), brotli-unpacked once into the user's cache folder (`$XDG_CACHE_HOME/flowlake/chromium/<version>/`).
 * When none can be had, `NoChromiumError`: one line that says what to install.
 */

export const CHROMIUM_ENV = 'FLOWLAKE_CHROMIUM';
export const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;
export const PACKAGE = '@sparticuz/chromium';

export interface LocatedChromium {
  readonly executable: string;
  /** Where it came from: `FLOWLAKE_CHROMIUM`, `PATH (chromium)`, `@sparticuz/chromium 147.0.0`. */
  readonly from: string;
}

/** No Chromium to be had: its message is one line naming what to install, and so is its stack. */
export class NoChromiumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoChromiumError';
    // The test runner prints the stack: only the line, the frames would say nothing a reader can act on.
    this.stack = `${this.name}: ${message}`;
  }
}

export interface LocateOptions {
  /** Reads FLOWLAKE_CHROMIUM, PATH and XDG_CACHE_HOME (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
  /** The installed `@sparticuz/chromium` folder; default: resolved from here; `null`: not installed. */
  readonly packageDir?: string | null;
  /** Where the packaged Chromium is unpacked; default: `<flowlake cache>/chromium`. */
  readonly cacheDir?: string;
}

export async function locateChromium(options: LocateOptions = {}): Promise<LocatedChromium> {
  const env = options.env ?? process.env;
  const named = env[CHROMIUM_ENV];
  if (named) {
    if (isExecutableFile(named)) return { executable: named, from: CHROMIUM_ENV };
    throw new NoChromiumError(
      `${CHROMIUM_ENV}=${named} is not an executable file: point it at a Chromium or Chrome executable, or unset it`,
    );
  }

  const onPath = findOnPath(env.PATH ?? '');
  if (onPath) return onPath;

  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  const packageDir = options.packageDir === undefined ? installedPackageDir() : options.packageDir;
  const systemOnes = `${PATH_NAMES.slice(0, 3).join(', ')} or google-chrome-stable`;
  if (packageDir && !(platform === 'linux' && arch === 'x64')) {
    throw new NoChromiumError(
      `no Chromium for the browser tests: ${PACKAGE} ships one for linux x64 only (this is ${platform} ${arch}); ` +
        `install ${systemOnes} on PATH, or set ${CHROMIUM_ENV} to a Chromium or Chrome executable`,
    );
  }
  if (!packageDir) {
    throw new NoChromiumError(
      `no Chromium for the browser tests: run \`npm ci\` (the dev dependency ${PACKAGE} ships one for linux x64), ` +
        `install ${systemOnes} on PATH, or set ${CHROMIUM_ENV} to a Chromium or Chrome executable`,
    );
  }
  const cacheDir = options.cacheDir ?? join(defaultCacheRoot(env), 'chromium');
  return unpackPackaged(packageDir, cacheDir);
}

function findOnPath(path: string): LocatedChromium | undefined {
  const dirs = path.split(delimiter).filter((dir) => dir !== '');
  for (const name of PATH_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return { executable: candidate, from: `PATH (${name})` };
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder of the installed `@sparticuz/chromium`, or null when it is not installed. */
export function installedPackageDir(): string | null {
  let dir: string;
  try {
    // Its `exports` name only entry points (build/…): the package folder is the nearest one up with its name.
    dir = dirname(createRequire(import.meta.url).resolve(PACKAGE));
  } catch {
    return null;
  }
  for (; dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === PACKAGE)
        return dir;
    } catch {
      // no package.json here: one folder up
    }
  }
  return null;
}

/**
 * Unpacks `bin/chromium.br` of the package into `<cacheDir>/<version>/chromium` unless it is there already.
 * Written to a temporary name and renamed into place, so a test running beside this one (or an interrupted run)
 * never sees a partial executable. Only the executable is needed: the tests run it with `--disable-gpu` and the
 * system's fonts.
 */
async function unpackPackaged(packageDir: string, cacheDir: string): Promise<LocatedChromium> {
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const from = `${PACKAGE} ${version}`;
  const dir = join(cacheDir, version);
  const executable = join(dir, 'chromium');
  if (isExecutableFile(executable)) return { executable, from };
  const packed = join(packageDir, 'bin', 'chromium.br');
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `.chromium-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await pipeline(createReadStream(packed), createBrotliDecompress(), createWriteStream(partial));
    chmodSync(partial, 0o755);
    renameSync(partial, executable);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new NoChromiumError(
      `could not unpack the Chromium of ${from} (${(error as Error).message}): reinstall it with \`npm ci\`, ` +
        `or set ${CHROMIUM_ENV} to a Chromium or Chrome executable`,
    );
  }
  return { executable, from };
}
