#!/usr/bin/env node
// `npm start`: writes a small synthetic stash (three days, with planted incidents) into ./sample-stash and converts it into ./sample-out,
// exactly as a user would with the CLI, then prints the run summary.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const cli = new URL('../bin/flowlake.js', import.meta.url).pathname;
function flowlake(...args) {
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

rmSync('sample-stash', { recursive: true, force: true });
flowlake('sample', 'sample-stash', '--incidents');
flowlake('convert', 'sample-stash', 'sample-out', '--to', 'csv', '--report', 'sample-out/report.json');
process.stderr.write('outputs are in ./sample-out (run report: ./sample-out/report.json)\n');
