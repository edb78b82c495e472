import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PLANTED, writeIncidentStash } from '../../src/sample/incidents.js';
import { openInChromium } from '../support/browser.js';
import { tempDir } from '../support/temp-dir.js';

describe('the report page in headless Chromium', () => {
  it('over the planted-incident stash: opens from disk with no request and no error, every chart has marks, the miner is on the first screen', async (t) => {
    const dir = tempDir();
    await writeIncidentStash(join(dir, 'stash'), { seed: 3 });
    const file = join(dir, 'report.html');
    const run = spawnSync(
      process.execPath,
      ['bin/flowlake.js', 'report', join(dir, 'stash'), '--html', file, '--cache', join(dir, 'cache'), '--quiet'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);

    const viewport = { width: 1280, height: 800 };
    const opened = await openInChromium(file, viewport);
    try {
      const { page } = opened;
      t.diagnostic(`Chromium: ${opened.browser.from}`);
      assert.deepEqual(opened.errors, []);
      assert.deepEqual(opened.requests, [pathToFileURL(file).href], 'the page itself and nothing else');

      // Every chart: an SVG with at least one data mark that has geometry (a line, area or bar), not only axes.
      const marksPerChart = await page.$$eval('svg.fl-plot', (svgs) =>
        svgs.map(
          (svg) =>
            [
              ...svg.querySelectorAll('g[aria-label="line"] path, g[aria-label="area"] path, g[aria-label="bar"] rect'),
            ].filter((m) => (m.getAttribute('d') ?? '').length > 0 || Number(m.getAttribute('width')) > 0).length,
        ),
      );
      assert.ok(marksPerChart.length >= 20, `charts: ${marksPerChart.length}`);
      assert.deepEqual(
        marksPerChart.filter((marks) => marks === 0),
        [],
        'charts without marks',
      );
      for (const caption of ['Traffic over time', 'Flows per', 'Top talkers', 'Top destination ports', 'Coverage']) {
        assert.equal(await page.locator('figure.chart', { hasText: caption }).count(), 1, caption);
      }

      // The planted miner: the first mining finding; its row, address and activity chart visible without scrolling.
      const row = page.locator('#hunt-mining tbody tr').first();
      const address = row.locator('td', { hasText: PLANTED.miner.address });
      assert.equal(await address.textContent(), PLANTED.miner.address);
      for (const box of [
        await row.boundingBox(),
        await address.boundingBox(),
        await row.locator('td.spark svg').boundingBox(),
      ]) {
        assert.ok(box, 'rendered');
        assert.ok(box.y >= 0 && box.y + box.height <= viewport.height, `at y=${box.y}`);
        assert.ok(box.x >= 0 && box.x < viewport.width, `at x=${box.x}`);
      }
      for (const box of [await address.boundingBox(), await row.locator('td.spark svg').boundingBox()]) {
        assert.ok(box && box.x + box.width <= viewport.width, `ends at x=${box && box.x + box.width}`);
      }
      assert.equal(await page.evaluate('window.scrollY'), 0);

      const shot = join(dir, 'first-screen.png');
      await page.screenshot({ path: shot });
      assert.ok(statSync(shot).size > 10_000);
    } finally {
      await opened.close();
    }
  });
});
