import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { tempDir } from './temp-dir.js';

/** Debian's chromium (`.ci/run` installs it): Playwright's own browser download cannot work here. */
const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenedPage {
  readonly page: Page;
  /** Every request the page made, the page itself included. */
  readonly requests: string[];
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Opens a local file in headless Chromium with a fresh profile, recording its requests and errors. */
export async function openInChromium(file: string, viewport = { width: 1280, height: 800 }): Promise<OpenedPage> {
  const context: BrowserContext = await chromium.launchPersistentContext(
    join(tempDir('flowlake-chromium-'), 'profile'),
    {
      executablePath: CHROMIUM,
      args: ARGS,
      viewport,
    },
  );
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(new URL(`file://${file}`).href, { waitUntil: 'load' });
  return { page, requests, errors, close: () => context.close() };
}
