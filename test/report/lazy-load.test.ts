import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const REPORT_ONLY = ['@observablehq/plot', 'linkedom'];

/**
 * The packages a module loads at start-up: its static imports, followed through the project's own modules.
 * `import type` and `import()` load nothing then.
 */
function staticPackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = match[1];
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(resolve(entry));
  return packages;
}

describe('the charting library loads only for a page', () => {
  for (const entry of ['src/cli/main.ts', 'src/index.ts', 'src/aws/worker.ts']) {
    it(`${entry} does not load ${REPORT_ONLY.join(' or ')} at start-up`, () => {
      const packages = staticPackages(entry);
      assert.ok(packages.has('commander') || packages.size > 0, 'the walk found the imports');
      for (const name of REPORT_ONLY) assert.equal(packages.has(name), false, `${entry} loads ${name}`);
    });
  }

  it('the report module itself does load them (the walk sees what it should)', () => {
    const packages = staticPackages(join('src', 'report', 'index.ts'));
    for (const name of REPORT_ONLY) assert.ok(packages.has(name), name);
  });
});
