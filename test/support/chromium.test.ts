import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { brotliCompressSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.js';
import { installedPackageDir, type LocateOptions, locateChromium, NoChromiumError } from './chromium.js';
import { tempDir } from './temp-dir.js';

const SCRIPT = '#!/bin/sh\necho packaged chromium\n';

function executable(path: string): string {
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

/** A folder shaped like the installed @sparticuz/chromium: package.json and bin/chromium.br. */
function fakePackage(version: string, packed: Buffer = brotliCompressSync(Buffer.from(SCRIPT))): string {
  const dir = join(tempDir(), 'chromium-package');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@sparticuz/chromium', version }));
  writeFileSync(join(dir, 'bin', 'chromium.br'), packed);
  return dir;
}

/** Nothing from this machine: no variable, an empty PATH, no package. */
const BARE: LocateOptions = { env: { PATH: '' }, packageDir: null, platform: 'linux', arch: 'x64' };

async function noChromium(options: LocateOptions): Promise<string> {
  const error = await locateChromium(options).then(
    () => assert.fail('found a Chromium'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof NoChromiumError, String(error));
  assert.doesNotMatch(error.message, /\n/, 'one line');
  assert.equal(error.stack, `NoChromiumError: ${error.message}`, 'no frames under the line');
  return error.message;
}

describe('locateChromium', () => {
  it('FLOWLAKE_CHROMIUM comes first, before a Chromium on PATH', async () => {
    const bin = tempDir();
    executable(join(bin, 'chromium'));
    const named = executable(join(tempDir(), 'my-chrome'));
    const found = await locateChromium({ ...BARE, env: { FLOWLAKE_CHROMIUM: named, PATH: bin } });
    assert.deepEqual(found, { executable: named, from: 'FLOWLAKE_CHROMIUM' });
  });

  it('a FLOWLAKE_CHROMIUM that is missing, a folder or not executable fails with that value, never falls through', async () => {
    const bin = tempDir();
    executable(join(bin, 'chromium'));
    const plain = join(tempDir(), 'not-executable');
    writeFileSync(plain, '');
    for (const value of [join(bin, 'missing'), bin, plain]) {
      const message = await noChromium({ ...BARE, env: { FLOWLAKE_CHROMIUM: value, PATH: bin } });
      assert.equal(
        message,
        `FLOWLAKE_CHROMIUM=${value} is not an executable file: point it at a Chromium or Chrome executable, or unset it`,
      );
    }
  });

  it('on PATH: chromium, then chromium-browser, then google-chrome; folders and files that are not executable are passed over', async () => {
    const first = tempDir();
    const second = tempDir();
    mkdirSync(join(first, 'chromium'));
    writeFileSync(join(first, 'chromium-browser'), '');
    const chrome = executable(join(first, 'google-chrome'));
    const path = ['', first, second].join(delimiter);
    assert.deepEqual(await locateChromium({ ...BARE, env: { PATH: path } }), {
      executable: chrome,
      from: 'PATH (google-chrome)',
    });
    const browser = executable(join(second, 'chromium-browser'));
    assert.deepEqual(await locateChromium({ ...BARE, env: { PATH: path } }), {
      executable: browser,
      from: 'PATH (chromium-browser)',
    });
    const plain = executable(join(second, 'chromium'));
    assert.deepEqual(await locateChromium({ ...BARE, env: { PATH: path } }), {
      executable: plain,
      from: 'PATH (chromium)',
    });
  });

  it('else unpacks the packaged Chromium once into the cache folder, whole, shared by concurrent callers', async () => {
    const packageDir = fakePackage('147.0.0');
    const cacheDir = join(tempDir(), 'cache');
    const options = { ...BARE, packageDir, cacheDir };
    const found = await Promise.all([1, 2, 3, 4].map(() => locateChromium(options)));
    const expected = { executable: join(cacheDir, '147.0.0', 'chromium'), from: '@sparticuz/chromium 147.0.0' };
    for (const one of found) assert.deepEqual(one, expected);
    assert.equal(readFileSync(expected.executable, 'utf8'), SCRIPT);
    assert.equal(statSync(expected.executable).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(join(cacheDir, '147.0.0')), ['chromium'], 'no partial file left');

    // Found again without unpacking: the same file, untouched, even when the package's archive is gone.
    const before = statSync(expected.executable);
    writeFileSync(join(packageDir, 'bin', 'chromium.br'), 'not brotli');
    assert.deepEqual(await locateChromium(options), expected);
    assert.equal(statSync(expected.executable).mtimeMs, before.mtimeMs);
    assert.equal(statSync(expected.executable).ino, before.ino);
  });

  it('a damaged packaged archive fails with one line and leaves nothing in the cache folder', async () => {
    const packageDir = fakePackage('1.0.0', Buffer.from('this is not brotli'));
    const cacheDir = join(tempDir(), 'cache');
    const message = await noChromium({ ...BARE, packageDir, cacheDir });
    assert.match(
      message,
      /^could not unpack the Chromium of @sparticuz\/chromium 1\.0\.0 \(.+\): reinstall it with `npm ci`/,
    );
    assert.deepEqual(readdirSync(join(cacheDir, '1.0.0')), []);
  });

  it('with nothing to be had, one line naming what to install', async () => {
    assert.equal(
      await noChromium(BARE),
      'no Chromium for the browser tests: run `npm ci` (the dev dependency @sparticuz/chromium ships one for linux x64), ' +
        'install chromium, chromium-browser, google-chrome or google-chrome-stable on PATH, ' +
        'or set FLOWLAKE_CHROMIUM to a Chromium or Chrome executable',
    );
    const packageDir = fakePackage('147.0.0');
    assert.equal(
      await noChromium({ ...BARE, packageDir, platform: 'darwin', arch: 'arm64' }),
      'no Chromium for the browser tests: @sparticuz/chromium ships one for linux x64 only (this is darwin arm64); ' +
        'install chromium, chromium-browser, google-chrome or google-chrome-stable on PATH, ' +
        'or set FLOWLAKE_CHROMIUM to a Chromium or Chrome executable',
    );
  });

  it('the Chromium the installed @sparticuz/chromium ships: found with no system one, launches headless, renders text', async () => {
    const packageDir = installedPackageDir();
    assert.ok(packageDir, '@sparticuz/chromium is a dev dependency');
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    const options: LocateOptions = { env: { PATH: '', XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } };
    if (!(process.platform === 'linux' && process.arch === 'x64')) {
      assert.match(await noChromium(options), /ships one for linux x64 only/);
      return;
    }
    const found = await locateChromium(options);
    assert.equal(found.from, `@sparticuz/chromium ${version}`);
    const browser = await chromium.launch({ executablePath: found.executable, args: [...CHROMIUM_ARGS] });
    try {
      assert.equal(browser.version().split('.')[0], version.split('.')[0], 'the Chromium major is the package major');
      const page = await browser.newPage({ viewport: { width: 400, height: 200 } });
      await page.setContent('<p id="t" style="font: 20px sans-serif">flowlake</p>');
      const box = await page.locator('#t').boundingBox();
      assert.ok(box && box.height >= 20 && box.width > 0, `laid out: ${JSON.stringify(box)}`);
      const text = await page.$eval('#t', (p) => {
        const range = p.ownerDocument.createRange();
        range.selectNodeContents(p);
        return range.getBoundingClientRect().width;
      });
      assert.ok(text > 40, `the text has width: ${text}`);
    } finally {
      await browser.close();
    }
  });
});
