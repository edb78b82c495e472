import { createReadStream, createWriteStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeObject } from '../src/decode/index.js';
import { createParquetEncoder } from '../src/encode/parquet.js';
import { DEFAULT_FORMAT } from '../src/formats/format.js';
const context = { formatFor: () => ({ format: DEFAULT_FORMAT, key: '' }), reject: () => {}, controlMessage: () => {} };
const dir = 'bench/data/stash-4x250000';
const files: string[] = [];
for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) files.push(join(e.parentPath, e.name));
const rounds = Number(process.argv[2] ?? 1);
for (let round = 0; round < rounds; round++) for (const f of files) {
  const t = performance.now(); const c = process.cpuUsage();
  const decoded = await decodeObject(createReadStream(f, { highWaterMark: 1 << 20 }), context as never);
  const encoder = createParquetEncoder({ format: DEFAULT_FORMAT, out: createWriteStream('/tmp/one.parquet') });
  for await (const b of decoded.batches) await encoder.write(b);
  await encoder.finish();
  const u = process.cpuUsage(c);
  console.error(round, (performance.now() - t).toFixed(0), 'ms wall', ((u.user + u.system) / 1000).toFixed(0), 'ms cpu');
}
