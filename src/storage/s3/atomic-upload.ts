import { PassThrough, Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { AtomicWrite, WriteOptions } from '../types.js';
import { classifyS3Error, toS3AccessError } from './errors.js';

export interface AtomicUploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Names the object in errors (`s3://bucket/key`). */
  readonly where: string;
  readonly partSize: number;
  readonly queueSize: number;
}

type SendArgs = Parameters<S3Client['send']>;

/**
 * An S3 write that becomes visible only on commit(): the bytes go through a lib-storage Upload (one PutObject
 * for small outputs, a multipart upload for big ones), but its body is ended only by commit(), so an output
 * whose conversion fails is never completed. abort() cancels requests in flight and aborts the multipart
 * upload by its UploadId, so no parts stay behind.
 */
export function startAtomicUpload(target: AtomicUploadTarget, options: WriteOptions = {}): AtomicWrite {
  const { client, bucket, key, where } = target;
  const body = new PassThrough();
  const cancel = new AbortController();
  const inFlight = new Set<Promise<unknown>>();
  let uploadId: string | undefined;
  let aborting: Promise<void> | undefined;
  let committed = false;

  // lib-storage only calls client.send() and reads client.config: this view records the UploadId and lets
  // abort() cancel part uploads in flight (CreateMultipartUpload is left to finish so its id is known).
  const trackedClient = {
    config: client.config,
    send(...[command]: SendArgs): Promise<unknown> {
      const isAbortCommand = command instanceof AbortMultipartUploadCommand;
      if (aborting && !isAbortCommand) {
        return Promise.reject(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
      }
      const cancellable = command instanceof UploadPartCommand || command instanceof PutObjectCommand;
      const sent = client
        .send(command as never, cancellable ? { abortSignal: cancel.signal } : {})
        .then((output: unknown) => {
          if (command instanceof CreateMultipartUploadCommand) {
            uploadId = (output as CreateMultipartUploadCommandOutput).UploadId;
          }
          return output;
        });
      inFlight.add(sent);
      const forget = () => inFlight.delete(sent);
      sent.then(forget, forget);
      return sent;
    },
  } as unknown as S3Client;

  const upload = new Upload({
    client: trackedClient,
    params: {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType,
      Metadata: options.metadata ? { ...options.metadata } : undefined,
    },
    partSize: target.partSize,
    queueSize: target.queueSize,
    leavePartsOnError: false,
  });
  const done = upload.done();
  done.catch(() => {}); // observed by commit(); an abort makes it reject on purpose

  const drainInFlight = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  const abort = (): Promise<void> => {
    if (committed) return Promise.resolve();
    aborting ??= (async () => {
      cancel.abort();
      await upload.abort();
      body.destroy();
      await drainInFlight();
      // lib-storage aborts the multipart upload itself once its uploaders stop; do it here too, to be sure.
      await new Promise((resolve) => setImmediate(resolve));
      await drainInFlight();
      if (uploadId) {
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
          .catch((err: unknown) => {
            if (classifyS3Error(err) !== 'not-found') throw toS3AccessError(err, where);
          });
      }
    })();
    return aborting;
  };

  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (body.destroyed) {
        callback(new Error(`${where}: write after abort`));
        return;
      }
      if (body.write(chunk)) {
        callback();
        return;
      }
      const resume = () => {
        body.off('drain', resume);
        body.off('close', resume);
        callback(body.destroyed ? new Error(`${where}: write after abort`) : undefined);
      };
      body.on('drain', resume);
      body.on('close', resume);
    },
    // Ending the caller's stream does not end the upload: only commit() does.
    final(callback) {
      callback();
    },
    destroy(err, callback) {
      if (err) void abort().catch(() => {});
      callback(err);
    },
  });

  return {
    stream,
    async commit() {
      // The stream destroys itself after 'finish' (autoDestroy); destroyed before finishing means it failed.
      if (aborting || (stream.destroyed && !stream.writableFinished)) {
        await abort().catch(() => {});
        throw new Error(`${where}: the write was aborted`);
      }
      if (!stream.writableFinished) {
        await new Promise<void>((resolve, reject) => {
          stream.once('finish', resolve);
          stream.once('error', reject);
        });
      }
      body.end();
      try {
        await done;
        committed = true;
      } catch (err) {
        await abort().catch(() => {});
        throw toS3AccessError(err, where);
      }
    },
    abort,
  };
}
