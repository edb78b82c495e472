/**
 * Runs the synthesised backfill state machine with aws-local-stepfunctions, its Task states overridden to call
 * the real worker and summary handlers against an S3 emulator.
 *
 * aws-local-stepfunctions runs Map states inline and has no ItemReader, ItemBatcher or ResultWriter, so the
 * definition is transformed, and only in these ways (see forLocalRun):
 *  1. ItemReader → `ItemsPath: "$.__items"`. The test lists the emulator itself with the same ListObjectsV2
 *     call (the ItemReader's Bucket, the prefix its `Prefix.$` path picks from the execution input) and makes
 *     each object an item the way the S3 ItemReader does: {Key, Size, Etag (quoted), LastModified, StorageClass}.
 *  2. ItemBatcher → the items are pre-batched by the test into {Items, BatchInput} with the definition's own
 *     MaxItemsPerBatch and BatchInput (MaxInputBytesPerBatch is not emulated), so each Map iteration receives
 *     exactly what a child execution would.
 *  3. ResultWriter → `ResultSelector` with the ResultWriterDetails Step Functions would return, and the test
 *     writes the manifest.json and SUCCEEDED_0.json (Transformation NONE: one record per child execution with
 *     Input/Output as JSON strings) to the emulator before the summary step runs.
 *  4. ProcessorConfig → INLINE; MaxConcurrency, ToleratedFailurePercentage and Label are dropped.
 * The lake's compaction map (after the summary) reads its items from an S3 JSON file (ItemReader s3:getObject,
 * the key from the state's input). It is transformed the same way, except that its items exist only once the
 * summary has written them: the test reads that file from the emulator when the summary returns (the key its
 * output names, as the ItemReader's `Key.$` picks it), batches the items like (2), and hands them to the map in
 * the summary's output (`__items` of that map, read by its ItemsPath). Its ResultWriter becomes a ResultSelector
 * as in (3), with no result files (nothing reads them); ResultPath, Catch and the item Task's Retry stay.
 * Every other state (the summary Task and its Parameters, the Choice, Fail and Succeed states) runs as synthesised.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

// biome-ignore lint/suspicious/noExplicitAny: state machine definitions and reports are free-form JSON here
type Json = Record<string, any>;
type Handler = (input: unknown) => Promise<unknown>;

/** The state machine definition of a synthesised template, tokens replaced by plausible literal values. */
export function definitionFromTemplate(template: Json): Json {
  const machine = Object.values(template.Resources as Json).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  return JSON.parse(flatten(machine.Properties.DefinitionString));
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v.Ref === 'AWS::Region') return 'us-east-1';
  if (v.Ref === 'AWS::AccountId') return '123456789012';
  if (v['Fn::GetAtt']) return `arn:aws:lambda:us-east-1:123456789012:function:${v['Fn::GetAtt'][0]}`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

export interface LocalRunOptions {
  readonly definition: Json;
  readonly s3: S3Client;
  readonly worker: Handler;
  readonly summary: Handler;
  readonly input: { readonly prefix: string };
  readonly executionName: string;
  /** The compaction function, for a definition with the lake's compaction map. */
  readonly compact?: Handler;
}

export interface LocalRunOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: Json;
  readonly error?: string;
  readonly cause?: string;
  /** The batches the Map handed to the worker. */
  readonly batches: Json[];
  /** The batches (chunks of days) the compaction map handed to the compaction function. */
  readonly compactBatches: Json[];
}

export async function runBackfillLocally(options: LocalRunOptions): Promise<LocalRunOutcome> {
  (Promise as unknown as Json).withResolvers ??= () => {
    let resolve: unknown;
    let reject: unknown;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  const { StateMachine, ExecutionError } = await import('aws-local-stepfunctions');

  const mapName = options.definition.StartAt as string;
  const map = options.definition.States[mapName];
  const sourceBucket: string = map.ItemReader.Parameters.Bucket;
  const prefix = pick(options.input, map.ItemReader.Parameters['Prefix.$']);
  const items = await listLikeItemReader(options.s3, sourceBucket, prefix);
  const batches = batched(items, map.ItemBatcher);

  const resultBucket: string = map.ResultWriter.Parameters.Bucket;
  const resultPrefix = `${map.ResultWriter.Parameters.Prefix}/${options.executionName}-map-run`;
  const manifestKey = `${resultPrefix}/manifest.json`;
  const definition = forLocalRun(options.definition, { Bucket: resultBucket, Key: manifestKey });
  const taskName = Object.keys(map.ItemProcessor.States).find((n) => map.ItemProcessor.States[n].Type === 'Task')!;
  const summaryName = map.Next as string;
  const compactName = options.definition.States[summaryName].Next as string;
  const compactMap = isFileMap(options.definition.States[compactName])
    ? options.definition.States[compactName]
    : undefined;
  if (compactMap && !options.compact) throw new Error(`${compactName} needs a compact handler`);
  const compactTask = compactMap
    ? Object.keys(compactMap.ItemProcessor.States).find((n) => compactMap.ItemProcessor.States[n].Type === 'Task')!
    : undefined;
  const compactBatches: Json[] = [];

  const children: Json[] = [];
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({ ...options.input, __items: batches } as never, {
    context: {
      Execution: { Name: options.executionName, StartTime: new Date().toISOString(), Input: options.input },
    } as never,
    overrides: {
      taskResourceLocalHandlers: {
        [taskName]: async (batch) => {
          const output = await options.worker(batch);
          children.push({
            Name: `child-${children.length}`,
            Status: 'SUCCEEDED',
            Input: JSON.stringify(batch),
            Output: JSON.stringify(output),
          });
          return output as never;
        },
        [summaryName]: async (input) => {
          const resultsKey = `${resultPrefix}/SUCCEEDED_0.json`;
          const results = JSON.stringify(children);
          await put(options.s3, resultBucket, resultsKey, results);
          const manifest = {
            DestinationBucket: resultBucket,
            MapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:flowlake/${options.executionName}`,
            ResultFiles: {
              FAILED: [],
              PENDING: [],
              SUCCEEDED: [{ Key: resultsKey, Size: Buffer.byteLength(results) }],
            },
          };
          await put(options.s3, resultBucket, manifestKey, JSON.stringify(manifest));
          const output = (await options.summary(input)) as Json;
          if (!compactMap) return output as never;
          const reader = compactMap.ItemReader;
          const key = pick(output, reader.Parameters['Key.$']);
          const items = JSON.parse(await get(options.s3, reader.Parameters.Bucket, key));
          if (!Array.isArray(items)) throw new Error(`${key} is not a JSON array`);
          return { ...output, __items: batched(items, compactMap.ItemBatcher) } as never;
        },
        ...(compactTask
          ? {
              [compactTask]: async (batch: unknown) => {
                compactBatches.push(batch as Json);
                return (await options.compact!(batch)) as never;
              },
            }
          : {}),
      },
      retryIntervalOverrides: compactTask ? { [compactTask]: 0 } : {},
    },
  });
  try {
    const output = (await execution.result) as Json;
    return { status: 'SUCCEEDED', output, batches, compactBatches };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const failure = error.cause as Error;
    return { status: 'FAILED', error: failure.name, cause: failure.message, batches, compactBatches };
  }
}

/** The transformations documented above, on a copy. */
export function forLocalRun(definition: Json, resultWriterDetails: { Bucket: string; Key: string }): Json {
  const copy = structuredClone(definition);
  const inline = (map: Json, details: Json) => {
    for (const field of [
      'ItemReader',
      'ItemBatcher',
      'ResultWriter',
      'MaxConcurrency',
      'ToleratedFailurePercentage',
      'Label',
    ]) {
      delete map[field];
    }
    map.ItemsPath = '$.__items';
    map.ItemProcessor.ProcessorConfig = { Mode: 'INLINE' };
    map.ResultSelector = { ResultWriterDetails: details };
  };
  inline(copy.States[copy.StartAt], resultWriterDetails);
  for (const state of Object.values(copy.States as Json)) {
    if (isFileMap(state)) {
      const { Bucket, Prefix } = state.ResultWriter.Parameters;
      inline(state, { Bucket, Key: `${Prefix}/local-run/manifest.json` });
    }
  }
  return copy;
}

/** A Distributed Map that reads its items from one S3 JSON file. */
function isFileMap(state: Json | undefined): state is Json {
  return state?.Type === 'Map' && /:states:::s3:getObject$/.test(state.ItemReader?.Resource ?? '');
}

/** Items as the ItemBatcher hands them to a child: {Items, BatchInput} of MaxItemsPerBatch items at most. */
function batched(items: Json[], batcher: Json): Json[] {
  const batches: Json[] = [];
  for (let i = 0; i < items.length; i += batcher.MaxItemsPerBatch) {
    batches.push({
      Items: items.slice(i, i + batcher.MaxItemsPerBatch),
      ...(batcher.BatchInput !== undefined ? { BatchInput: batcher.BatchInput } : {}),
    });
  }
  return batches;
}

/** ListObjectsV2 under the prefix, each object as the S3 ItemReader gives it. */
async function listLikeItemReader(s3: S3Client, bucket: string, prefix: string): Promise<Json[]> {
  const items: Json[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      items.push({
        Etag: o.ETag,
        Key: o.Key,
        LastModified: Math.floor((o.LastModified?.getTime() ?? 0) / 1000),
        Size: o.Size,
        StorageClass: o.StorageClass ?? 'STANDARD',
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return items;
}

function pick(input: Json, path: string): string {
  const match = /^\$\.(\w+)$/.exec(path);
  if (!match) throw new Error(`unexpected ItemReader prefix path ${path}`);
  return input[match[1]];
}

async function get(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToString();
}

async function put(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
}
