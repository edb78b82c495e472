/**
 * The baseline flowlake is measured against: the approach of the original one-off processor, rewritten from
 * its description. A regex over decoded text chunks picks `"timestamp":N,"message":"…"` pairs in a stream
 * Transform between gunzip and gzip, pushing one small string per row. Objects are converted one after another.
 *
 *   node --import tsx bench/naive-baseline.ts <input dir> <output dir>
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';

const HEADER =
  'timestamp,version,account-id,interface-id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log-status\n';

function regexToCsv(): Transform {
  let carry = '';
  let headerWritten = false;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (!headerWritten) {
        this.push(HEADER);
        headerWritten = true;
      }
      const text = carry + chunk.toString();
      const pattern = /"timestamp":([0-9]+),"message":"(.+?)"/g;
      let consumed = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        this.push(`${new Date(Number(m[1])).toISOString()},${m[2].replace(/ /g, ',')}\n`);
        consumed = m.index + m[0].length;
      }
      carry = text.slice(consumed);
      callback();
    },
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

const [input, output] = process.argv.slice(2);
for (const file of files(input).sort()) {
  if (statSync(file).size === 0) continue;
  const target = join(output, `${relative(input, file)}.csv.gz`);
  mkdirSync(dirname(target), { recursive: true });
  await pipeline(createReadStream(file), createGunzip(), regexToCsv(), createGzip(), createWriteStream(target));
}
