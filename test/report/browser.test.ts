import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openFlows } from '../../src/query/index.js';
import { writeReport } from '../../src/report/index.js';
import { openInChromium } from '../support/browser.js';
import { tempDir } from '../support/temp-dir.js';
import { fixtureFlows, MINER } from './fixture-flows.js';
import { writeFixtureOutputs } from './fixture-outputs.js';

describe('the report page in headless Chromium', () => {
  it('opens from disk with no request and no error, every chart has marks, and the miner is on the first screen', async () => {
    const dir = tempDir();
    const file = join(dir, 'report.html');
    const session = await openFlows(writeFixtureOutputs(dir, fixtureFlows()));
    await writeReport(session, file);
    await session.close();

    const viewport = { width: 1280, height: 800 };
    const opened = await openInChromium(file, viewport);
    try {
      const { page } = opened;
      assert.deepEqual(opened.errors, []);
      assert.deepEqual(opened.requests, [pathToFileURL(file).href]);

      // Every chart: an SVG with at least one data mark (a line, area or bar with geometry), not only axes.
      const charts = await page.$$eval('svg.fl-plot', (svgs) =>
        svgs.map((svg) => {
          const marks = svg.querySelectorAll(
            'g[aria-label="line"] path, g[aria-label="area"] path, g[aria-label="bar"] rect',
          );
          return [...marks].filter((m) => (m.getAttribute('d') ?? '').length > 0 || m.getAttribute('width')).length;
        }),
      );
      assert.ok(charts.length >= 10, `charts: ${charts.length}`);
      assert.deepEqual(
        charts.filter((marks) => marks === 0),
        [],
        'charts without marks',
      );

      // The miner's row is visible without scrolling.
      const row = page.locator('#hunt-mining tbody tr', { hasText: MINER.address }).first();
      const box = await row.boundingBox();
      assert.ok(box, 'the miner row is rendered');
      assert.ok(box.y >= 0 && box.y + box.height <= viewport.height, `row at y=${box.y}`);
      assert.ok(box.x >= 0 && box.x < viewport.width);
      assert.equal(await page.evaluate('window.scrollY'), 0);

      const shot = join(dir, 'first-screen.png');
      await page.screenshot({ path: shot });
      assert.ok(statSync(shot).size > 10_000);
    } finally {
      await opened.close();
    }
  });
});
