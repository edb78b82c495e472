#!/usr/bin/env node
// `npm start`: writes a small synthetic stash (three days, with planted incidents) into ./sample-stash and converts it into ./sample-out,
// exactly as a user would with the CLI, then prints the run summary and the commands to try next on those outputs.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const cli = new URL('../bin/flowlake.js', import.meta.url).pathname;
function flowlake(...args) {
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** What to run next, each with what it shows (test/cli/start.test.ts runs every one of these lines). */
const NEXT = [
  ['the planted crypto miner, ranked first', 'npx flowlake hunt mining ./sample-out --limit 3'],
  [
    "one page of every hunt's findings and the traffic (then open sample-out/report.html in a browser)",
    'npx flowlake report ./sample-out --html sample-out/report.html',
  ],
  [
    'your own SQL over the view flows',
    'npx flowlake query ./sample-out "SELECT action, log_status, count(*) AS flows, sum(bytes) AS bytes FROM flows GROUP BY ALL ORDER BY flows DESC"',
  ],
  ['every hunt, one line each', 'npx flowlake hunt --list'],
];

rmSync('sample-stash', { recursive: true, force: true });
flowlake('sample', 'sample-stash', '--incidents');
flowlake('convert', 'sample-stash', 'sample-out', '--to', 'csv', '--report', 'sample-out/report.json');
process.stderr.write('outputs are in ./sample-out (run report: ./sample-out/report.json)\n\n');
process.stderr.write('Try next, on what was just written:\n');
for (const [what, command] of NEXT) process.stderr.write(`  ${what}:\n    ${command}\n`);
