// Bundles the command and its worker threads into a few files (dist/bundle/) after `tsc` has built dist/src/.
// Why: the command loads ~300 modules (worker threads ~130 each) and Node's ESM loader spends ~0.3 ms on each,
// which is a tenth of a 1M-event conversion; one bundle loads in a few milliseconds. The library (dist/src)
// stays unbundled. Packages with native parts or their own loaders stay outside, loaded from node_modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry hashes: a bundle of the previous build must not linger beside this one.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    // Started by file name next to the module that starts them (util/module-worker.ts).
    'worker-thread': 'dist/src/convert/worker-thread.js',
    'compact-thread': 'dist/src/lake/compact-thread.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@duckdb/*', '@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', '@observablehq/plot', 'linkedom'],
  // commander is CommonJS and requires Node's modules: give the ESM bundle a require of its own.
  banner: {
    js: "import { createRequire as __flowlakeCreateRequire } from 'node:module'; const require = __flowlakeCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
