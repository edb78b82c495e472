import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type LocatedChromium, locateChromium } from './chromium.js';
import { tempDir } from './temp-dir.js';

/**
 * Headless, as root, and making no request of its own: without the background-networking flags Chromium keeps
 * trying to reach Google's hosts, which a closed network refuses.
 */
export const CHROMIUM_ARGS: readonly string[] = [
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
  /** The Chromium it runs in (./chromium.ts says how it is found). */
  readonly browser: LocatedChromium;
  close(): Promise<void>;
}

/** Opens a local file in headless Chromium with a fresh profile, recording its requests and errors. */
export async function openInChromium(file: string, viewport = { width: 1280, height: 800 }): Promise<OpenedPage> {
  const browser = await locateChromium();
  const context: BrowserContext = await chromium.launchPersistentContext(
    join(tempDir('flowlake-chromium-'), 'profile'),
    { executablePath: browser.executable, args: [...CHROMIUM_ARGS], viewport },
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
  return { page, requests, errors, browser, close: () => context.close() };
}
