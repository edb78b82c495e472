import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { filesUnder } from './files.js';
import { keysUnder, type S3TestServer } from './s3-server.js';

/** Copies every file of a local folder (a lake written by convert) to `bucket/prefix`, keys as paths. */
export async function uploadFolder(server: S3TestServer, dir: string, bucket: string, prefix: string): Promise<void> {
  for (const file of filesUnder(dir)) await server.putObject(bucket, `${prefix}${file}`, readFileSync(join(dir, file)));
}

/** Copies everything under `bucket/prefix` into a local folder, so that the local readers can read it as a lake. */
export async function downloadPrefix(server: S3TestServer, bucket: string, prefix: string, dir: string): Promise<void> {
  for (const key of await keysUnder(server, bucket, prefix)) {
    const object = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }));
    const path = join(dir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await object.Body!.transformToByteArray());
  }
}
