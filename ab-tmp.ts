import { rmSync } from 'node:fs';
import { sideBySide } from './bench/lib/measure.js';
const rounds = Number(process.argv[2] ?? 5);
const cmd = (root: string, out: string, extra: string[]) => ['node', `${root}/bin/flowlake.js`, 'convert', 'bench/data/in', out, '--force', '--quiet', ...extra];
const r = sideBySide(
  {
    csvBefore: cmd('/tmp/flowlake-before', '/tmp/ab-out-b', []),
    csvAfter: cmd('.', '/tmp/ab-out-a', []),
    pqBefore: cmd('/tmp/flowlake-before', '/tmp/ab-pq-b', ['--to', 'parquet']),
    pqAfter: cmd('.', '/tmp/ab-pq-a', ['--to', 'parquet']),
  },
  rounds,
);
for (const [k, v] of Object.entries(r)) console.log(k, v.wall.toFixed(2), 's', v.cpu.toFixed(2), 'cpu', v.peakMiB.toFixed(0), 'MiB');
console.log('csv after/before', (r.csvAfter.wall / r.csvBefore.wall).toFixed(3), 'cpu', (r.csvAfter.cpu / r.csvBefore.cpu).toFixed(3));
console.log('pq after/before', (r.pqAfter.wall / r.pqBefore.wall).toFixed(3), 'cpu', (r.pqAfter.cpu / r.pqBefore.cpu).toFixed(3));
for (const d of ['/tmp/ab-out-b', '/tmp/ab-out-a', '/tmp/ab-pq-b', '/tmp/ab-pq-a']) rmSync(d, { recursive: true, force: true });
