import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_lambda_event_sources as lambdaEvents,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_s3 as s3,
  aws_s3_notifications as s3n,
  aws_scheduler as scheduler,
  aws_stepfunctions as sfn,
  aws_sqs as sqs,
  aws_stepfunctions_tasks as tasks,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseConvertOptions } from '../src/aws/config.js';
import { isLakeLayout, type LayoutName } from '../src/lake/options.js';
import { FlowlakeAthena } from './athena.js';
import { functionLogging } from './function-role.js';
import {
  folderPrefix,
  listUnderPrefix,
  PrefixScopedJsonReader,
  PrefixScopedObjectsReader,
  PrefixScopedResultWriter,
} from './scoped-s3.js';
import { SecurityLakeDestination, type SecurityLakeProps, SecurityLakeSettingsError } from './security-lake.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface FlowlakeStackProps extends StackProps {
  /** The bucket holding the flow-log stash; always imported, only ever read. */
  readonly sourceBucketName: string;
  /** Key prefix of the stash ('' for the whole bucket). */
  readonly sourcePrefix?: string;
  /** An existing destination bucket; when absent the stack creates one (with an access-log bucket). */
  readonly destinationBucketName?: string;
  readonly destinationPrefix?: string;
  /** Output formats: csv, parquet, jsonl. Default parquet (the lake). */
  readonly formats?: readonly string[];
  /** mirror or hive; default hive when the formats include Parquet (the lake), mirror otherwise. */
  readonly layout?: string;
  /** Flow-log format of lines without a header (AWS `${field}` syntax); the v2 default when absent. */
  readonly fields?: string;
  /** Per CloudWatch log group formats. */
  readonly logGroupFormats?: Readonly<Record<string, string>>;
  readonly workerMemoryMiB?: number;
  readonly workerTimeout?: Duration;
  /** Child executions of the Distributed Map running at once. */
  readonly mapConcurrency?: number;
  /** Source objects per worker invocation in a backfill. */
  readonly maxItemsPerBatch?: number;
  /** Percentage of items whose worker invocation may crash before the backfill map run fails. */
  readonly toleratedFailurePercentage?: number;
  /** S3 ObjectCreated → SQS → worker for new objects. Off by default. */
  readonly realTime?: boolean;
  /** Messages per worker invocation on the real-time path. */
  readonly queueBatchSize?: number;
  readonly logRetention?: logs.RetentionDays;
  /** Hive layout: account ids and regions of the flow logs, for an enum partition projection (injected otherwise). */
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
  /** The lake's compaction function (Parquet in the hive layout only). */
  readonly compactMemoryMiB?: number;
  /** Days per compaction function invocation in the backfill's compaction map. */
  readonly compactDaysPerBatch?: number;
  /** Compaction invocations running at once in a backfill. */
  readonly compactConcurrency?: number;
  /** Compacted files are cut at about this size (MiB; default compactLake's, 256). */
  readonly compactTargetMiB?: number;
  /**
   * Write OCSF into an Amazon Security Lake custom source (created by the stack, or an existing one's location)
   * instead of the lake; the bookkeeping stays under the destination prefix.
   */
  readonly securityLake?: SecurityLakeProps;
}

export const DEFAULTS = {
  workerMemoryMiB: 2048,
  workerTimeout: Duration.minutes(10),
  mapConcurrency: 40,
  maxItemsPerBatch: 10,
  maxInputBytesPerBatch: 128 * 1024,
  toleratedFailurePercentage: 5,
  queueBatchSize: 1,
  compactMemoryMiB: 4096,
  compactTimeout: Duration.minutes(15),
  compactDaysPerBatch: 2,
  compactConcurrency: 10,
  /** The real-time path's schedule: 02:30 UTC, after the day's late deliveries (DESIGN §10). */
  compactSchedule: 'cron(30 2 * * ? *)',
  /** The days it compacts: yesterday, and the day before for what arrived after yesterday's run. */
  compactDaysBack: [1, 2],
  /**
   * Security Lake wants objects of 5 minutes to a day of records, and the worker writes one per partition and
   * invocation: real time waits up to 5 minutes (Lambda's longest batching window) for up to this many messages…
   */
  securityLakeQueueBatchSize: 100,
  securityLakeBatchingWindow: Duration.minutes(5),
  /** …and a backfill hands a worker this many source objects (minutes of each stream) at a time. */
  securityLakeItemsPerBatch: 100,
  /**
   * The lake (hive): an invocation writes one file per partition, so batches of many objects make few files.
   * A backfill hands a worker this many objects; real time waits up to a minute for up to this many messages
   * (rows visible within about a minute of arriving; the nightly compaction merges the rest).
   */
  lakeItemsPerBatch: 100,
  lakeQueueBatchSize: 100,
  lakeBatchingWindow: Duration.minutes(1),
} as const;

/** The output formats and layout a stack writes: Parquet in the hive layout (the lake) unless told otherwise. */
export function outputSettings(props: Pick<FlowlakeStackProps, 'formats' | 'layout' | 'securityLake'>) {
  if (props.securityLake) {
    const other = [...(props.formats ?? []), props.layout ?? 'ocsf'].find((v) => v !== 'ocsf');
    if (other) {
      throw new SecurityLakeSettingsError(
        `securityLake writes OCSF in Security Lake's layout: leave formats and layout out (got "${other}")`,
      );
    }
    return { formats: ['ocsf'], layout: 'ocsf', lake: false };
  }
  const formats = [...(props.formats ?? ['parquet'])];
  const layout = props.layout ?? (formats.includes('parquet') ? 'hive' : 'mirror');
  return { formats, layout, lake: formats.includes('parquet') && layout === 'hive' };
}

/**
 * Rows that carry no region take the worker's own (AWS_REGION) when nothing else names one: the settings are
 * checked at synthesis as the worker will run them, with a region standing in for that one.
 */
const WORKER_REGION_STAND_IN = 'us-east-1';

/**
 * flowlake on AWS: the worker Lambda (the CLI's per-object conversion), a backfill state machine with a
 * Distributed Map over the source prefix, and an optional real-time path S3 → SQS → worker. For the lake
 * (Parquet in the hive layout, the default) also the compaction Lambda (the CLI's compactLake): a second
 * Distributed Map compacts the days a backfill wrote, and a nightly schedule the real-time path's finished days.
 */
export class FlowlakeStack extends Stack {
  readonly worker: nodejs.NodejsFunction;
  readonly summary: nodejs.NodejsFunction;
  /** The lake's compaction function (when the stack writes Parquet in the hive layout). */
  readonly compactor?: nodejs.NodejsFunction;
  /** The real-time path's schedule that compacts finished days (lake and real time only). */
  readonly compactSchedule?: scheduler.CfnSchedule;
  readonly stateMachine: sfn.StateMachine;
  readonly destinationBucket: s3.IBucket;
  readonly queue?: sqs.Queue;
  readonly deadLetterQueue?: sqs.Queue;
  /** Normalised prefixes ('' or ending with '/'), as the policies use them. */
  readonly sourcePrefix: string;
  readonly destinationPrefix: string;
  readonly sourceBucket: s3.IBucket;
  /** The access-log bucket, when the stack creates the destination bucket. */
  readonly accessLogsBucket?: s3.Bucket;
  /** Glue database and tables, Athena workgroup and named queries over the outputs. */
  readonly athena: FlowlakeAthena;
  /** Where the OCSF files go when the stack writes to Security Lake. */
  readonly securityLake?: SecurityLakeDestination;
  /** The worker's output layout (hive, ocsf: coalesced writes committed in checkpoints; mirror). */
  readonly workerLayout: LayoutName;

  constructor(scope: Construct, id: string, props: FlowlakeStackProps) {
    super(scope, id, props);
    // The ResultWriter API that takes a prefix and writer settings; must be set before any state is created.
    this.node.setContext('@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2', true);
    // Access logs delivered by a bucket policy, so the log bucket can keep ACLs disabled.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const sourcePrefix = folderPrefix(props.sourcePrefix);
    const destPrefix = folderPrefix(props.destinationPrefix);
    this.sourcePrefix = sourcePrefix;
    this.destinationPrefix = destPrefix;
    const source = s3.Bucket.fromBucketName(this, 'SourceBucket', props.sourceBucketName);
    this.sourceBucket = source;
    let dest: s3.IBucket;
    if (props.destinationBucketName) {
      dest = s3.Bucket.fromBucketName(this, 'DestinationBucket', props.destinationBucketName);
    } else {
      const created = this.createDestinationBucket();
      dest = created.bucket;
      this.accessLogsBucket = created.accessLogs;
    }
    this.destinationBucket = dest;
    if (props.destinationBucketName === props.sourceBucketName) assertNoOverlap(sourcePrefix, destPrefix);

    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const timeout = props.workerTimeout ?? DEFAULTS.workerTimeout;
    const output = outputSettings(props);
    const flowRegion = props.securityLake?.flowRegion;
    const settings = {
      formats: output.formats,
      layout: output.layout,
      ...(props.fields ? { fields: props.fields } : {}),
      ...(props.logGroupFormats ? { logGroupFormats: props.logGroupFormats } : {}),
      ...(flowRegion ? { flowRegion } : {}),
    };
    // A typo in formats or layout fails here, at synthesis, rather than in every worker invocation.
    parseConvertOptions({ region: WORKER_REGION_STAND_IN, ...settings });
    if (props.securityLake) {
      this.securityLake = new SecurityLakeDestination(this, 'SecurityLake', { ...props.securityLake, retention });
    }
    const lakeDest = this.securityLake;
    this.workerLayout = settings.layout as LayoutName;
    const commonEnv = {
      SOURCE_BUCKET: props.sourceBucketName,
      SOURCE_PREFIX: sourcePrefix,
      DEST_BUCKET: dest.bucketName,
      DEST_PREFIX: destPrefix,
      POWERTOOLS_METRICS_NAMESPACE: 'flowlake',
      NODE_OPTIONS: '--enable-source-maps',
    };

    // Worker: read-only on the source prefix, write-only on the destination prefix (it reads back only its
    // own completion markers, to skip objects already converted). Writing to Security Lake, it writes the OCSF
    // files under the source's location and only its bookkeeping under the destination prefix.
    this.worker = this.lambdaFunction('Worker', 'src/aws/worker.ts', {
      memorySize: props.workerMemoryMiB ?? DEFAULTS.workerMemoryMiB,
      timeout,
      retention,
      environment: {
        ...commonEnv,
        FORMATS: settings.formats.join(','),
        LAYOUT: settings.layout,
        ...(props.fields ? { FIELDS: props.fields } : {}),
        ...(props.logGroupFormats ? { LOG_GROUP_FORMATS: JSON.stringify(props.logGroupFormats) } : {}),
        ...(lakeDest ? { OUTPUT_URL: lakeDest.outputUrl } : {}),
        ...(flowRegion ? { FLOW_REGION: flowRegion } : {}),
        POWERTOOLS_SERVICE_NAME: 'flowlake-worker',
      },
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [source.arnForObjects(`${sourcePrefix}*`)] }),
        listUnderPrefix(source, sourcePrefix),
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: lakeDest
            ? [lakeDest.objectsArn, ...WORKER_BOOKKEEPING.map((suffix) => dest.arnForObjects(`${destPrefix}${suffix}`))]
            : [dest.arnForObjects(`${destPrefix}*`)],
        }),
        ...(lakeDest?.kmsKeyArn ? [this.lakeKeyStatement(lakeDest.kmsKeyArn)] : []),
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [dest.arnForObjects(`${destPrefix}_flowlake/done/*`)],
        }),
        // Without ListBucket S3 answers 403 instead of 404 for a marker that does not exist yet.
        listUnderPrefix(dest, ''),
        ...(isLakeLayout(this.workerLayout) ? lakeWriterStatements(dest, destPrefix, this.workerLayout, lakeDest) : []),
      ],
    });

    // Summary: reads the map results, writes one run report.
    // The report of a large run holds one result per object (~0.5 KB each): room for a few hundred thousand.
    this.summary = this.lambdaFunction('Summary', 'src/aws/summary.ts', {
      memorySize: 2048,
      timeout: Duration.minutes(10),
      retention,
      environment: {
        ...commonEnv,
        POWERTOOLS_SERVICE_NAME: 'flowlake-summary',
        ...(output.lake ? { LAKE_DAYS: 'true' } : {}),
      },
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [dest.arnForObjects(`${destPrefix}_flowlake/map-results/*`)],
        }),
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [dest.arnForObjects(`${destPrefix}_flowlake/runs/*`)],
        }),
      ],
    });

    if (output.lake) this.compactor = this.compactionFunction(dest, destPrefix, commonEnv, props, retention);

    this.stateMachine = this.backfillStateMachine(source, dest, sourcePrefix, destPrefix, settings, props, retention);
    if (props.realTime) {
      const { queue, deadLetterQueue } = this.realTimePath(source, sourcePrefix, timeout, props);
      this.queue = queue;
      this.deadLetterQueue = deadLetterQueue;
      if (this.compactor) this.compactSchedule = this.compactionSchedule(this.compactor);
      new CfnOutput(this, 'QueueUrl', { value: queue.queueUrl, description: 'S3 ObjectCreated notifications' });
      new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetterQueue.queueUrl });
    }
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'flowlake backfill --state-machine <this> --prefix <source prefix> --follow',
    });
    new CfnOutput(this, 'DestinationUrl', { value: `s3://${dest.bucketName}/${destPrefix}` });
    new CfnOutput(this, 'WorkerFunctionName', { value: this.worker.functionName });
    if (this.compactor) {
      new CfnOutput(this, 'CompactFunctionName', {
        value: this.compactor.functionName,
        description: 'aws lambda invoke --function-name <this> --payload \'{"days":["2020-02-01"]}\' out.json',
      });
    }

    this.athena = new FlowlakeAthena(this, 'Athena', {
      destination: dest,
      destinationPrefix: destPrefix,
      formats: settings.formats,
      layout: settings.layout,
      fields: props.fields,
      accounts: props.accounts,
      regions: props.regions,
      accessLogs: this.accessLogsBucket,
    });
    new CfnOutput(this, 'AthenaWorkGroup', {
      value: this.athena.workGroup.ref,
      description: 'aws athena start-query-execution --work-group <this>; saved queries flowlake-<hunt>',
    });
    new CfnOutput(this, 'GlueDatabase', { value: this.athena.databaseName });
    if (this.athena.huntTable)
      new CfnOutput(this, 'GlueTable', {
        value: this.athena.huntTable,
        description: 'the table the named queries read',
      });
    new CfnOutput(this, 'AthenaResultsUrl', {
      value: `s3://${this.athena.resultsBucket.bucketName}/athena-results/`,
    });
  }

  /**
   * The lake's KMS key, through S3 only (in the key's region, which is the lake bucket's): uploads make data
   * keys, and a multipart upload decrypts its parts to complete.
   */
  private lakeKeyStatement(keyArn: string): iam.PolicyStatement {
    const region = Arn.split(keyArn, ArnFormat.SLASH_RESOURCE_NAME).region;
    return new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    });
  }

  private createDestinationBucket(): { bucket: s3.Bucket; accessLogs: s3.Bucket } {
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const bucket = new s3.Bucket(this, 'Destination', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'destination/',
      // Uploads aborted by a crashed worker would otherwise be billed forever.
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return { bucket, accessLogs };
  }

  private lambdaFunction(
    id: string,
    entry: string,
    options: {
      memorySize: number;
      timeout: Duration;
      retention: logs.RetentionDays;
      environment: Record<string, string>;
      statements: iam.PolicyStatement[];
    },
  ): nodejs.NodejsFunction {
    const { logGroup, role } = functionLogging(this, id, options.retention);
    for (const statement of options.statements) role.addToPolicy(statement);
    return new nodejs.NodejsFunction(this, id, {
      entry: join(REPO_ROOT, entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: options.environment,
      bundling: {
        forceDockerBundling: false,
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        target: 'node24',
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies still call require(); give the ES module one.
        banner:
          "import { createRequire as __flowlakeRequire } from 'node:module'; const require = __flowlakeRequire(import.meta.url);",
        // Bundle the AWS SDK too: the version tested here is the version that runs.
        externalModules: [],
      },
    });
  }

  /**
   * The lake's compaction function (src/aws/compact.ts, the CLI's compactLake): it reads the lake's data, state,
   * locks and checkpoint records; writes compacted files, day states, locks and the markers a recovered
   * checkpoint lacks; deletes retired files (after their grace), its locks and finished checkpoint records.
   */
  private compactionFunction(
    dest: s3.IBucket,
    destPrefix: string,
    commonEnv: Record<string, string>,
    props: FlowlakeStackProps,
    retention: logs.RetentionDays,
  ): nodejs.NodejsFunction {
    const objects = (...suffixes: string[]) => suffixes.map((suffix) => dest.arnForObjects(`${destPrefix}${suffix}`));
    return this.lambdaFunction('Compact', 'src/aws/compact.ts', {
      memorySize: props.compactMemoryMiB ?? DEFAULTS.compactMemoryMiB,
      timeout: DEFAULTS.compactTimeout,
      retention,
      environment: {
        DEST_BUCKET: commonEnv.DEST_BUCKET,
        DEST_PREFIX: commonEnv.DEST_PREFIX,
        POWERTOOLS_METRICS_NAMESPACE: commonEnv.POWERTOOLS_METRICS_NAMESPACE,
        NODE_OPTIONS: commonEnv.NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: 'flowlake-compact',
        ...(props.compactTargetMiB ? { COMPACT_TARGET_MIB: String(props.compactTargetMiB) } : {}),
      },
      statements: [
        listUnderPrefix(dest, destPrefix),
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: objects(...LAKE_DATA, LAKE_STATE, LAKE_LOCKS, LAKE_CHECKPOINTS),
        }),
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: objects(LAKE_DATA[1], LAKE_STATE, LAKE_LOCKS, LAKE_MARKERS),
        }),
        new iam.PolicyStatement({
          actions: ['s3:DeleteObject'],
          resources: objects(...LAKE_DATA, LAKE_LOCKS, LAKE_CHECKPOINTS),
        }),
      ],
    });
  }

  /**
   * The real-time path's compaction: EventBridge Scheduler invokes the compaction function every night for the
   * finished days (scheduled time minus `compactDaysBack`), with a role that may invoke that function only.
   */
  private compactionSchedule(compactor: nodejs.NodejsFunction): scheduler.CfnSchedule {
    const name = `${this.stackName}-compact-days`.slice(0, 64);
    const scheduleArn = this.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `default/${name}`,
    });
    const role = new iam.Role(this, 'CompactScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': scheduleArn } },
      }),
      description: 'EventBridge Scheduler: invokes the flowlake compaction function, nothing else',
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [compactor.functionArn] }),
    );
    const schedule = new scheduler.CfnSchedule(this, 'CompactSchedule', {
      name,
      description: 'flowlake: compact the finished days of the real-time path (after late deliveries)',
      scheduleExpression: DEFAULTS.compactSchedule,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: compactor.functionArn,
        roleArn: role.roleArn,
        input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>', daysBack: DEFAULTS.compactDaysBack }),
        // Delivery retries only: the function runs asynchronously (Lambda retries a failed run twice itself).
        retryPolicy: { maximumEventAgeInSeconds: 6 * 3600, maximumRetryAttempts: 3 },
      },
    });
    schedule.node.addDependency(role);
    return schedule;
  }

  private backfillStateMachine(
    source: s3.IBucket,
    dest: s3.IBucket,
    sourcePrefix: string,
    destPrefix: string,
    settings: Record<string, unknown>,
    props: FlowlakeStackProps,
    retention: logs.RetentionDays,
  ): sfn.StateMachine {
    const convertBatch = new tasks.LambdaInvoke(this, 'ConvertBatch', {
      lambdaFunction: this.worker,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const map = new sfn.DistributedMap(this, 'ConvertObjects', {
      // The prefix to list is the execution's input: `flowlake backfill --prefix P` → {"prefix": P}.
      itemReader: new PrefixScopedObjectsReader({
        bucket: source,
        prefix: sfn.JsonPath.stringAt('$.prefix'),
        allowedPrefix: sourcePrefix,
      }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: props.maxItemsPerBatch ?? this.itemsPerBatch(props),
        maxInputBytesPerBatch: DEFAULTS.maxInputBytesPerBatch,
        batchInput: { settings },
      }),
      maxConcurrency: props.mapConcurrency ?? DEFAULTS.mapConcurrency,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? DEFAULTS.toleratedFailurePercentage,
      resultWriterV2: new PrefixScopedResultWriter({ bucket: dest, prefix: `${destPrefix}_flowlake/map-results` }),
      label: 'flowlake',
    });
    map.itemProcessor(convertBatch);

    const writeReport = new tasks.LambdaInvoke(this, 'WriteRunReport', {
      lambdaFunction: this.summary,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      payload: sfn.TaskInput.fromObject({
        executionName: sfn.JsonPath.executionName,
        startedAt: sfn.JsonPath.executionStartTime,
        prefix: sfn.JsonPath.stringAt('$$.Execution.Input.prefix'),
        resultWriterDetails: sfn.JsonPath.objectAt('$.ResultWriterDetails'),
      }),
    });
    // Per-object failures do not fail a batch (its other objects converted); the report decides the outcome.
    const outcome = new sfn.Choice(this, 'EveryObjectConverted')
      .when(
        sfn.Condition.numberGreaterThan('$.failed', 0),
        new sfn.Fail(this, 'SomeObjectsFailed', { error: 'FlowlakeObjectsFailed', causePath: '$.message' }),
      )
      .otherwise(new sfn.Succeed(this, 'AllObjectsConverted'));

    const afterReport = this.compactor ? this.compactionMap(dest, destPrefix, props).next(outcome) : outcome;
    const logGroup = new logs.LogGroup(this, 'BackfillLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    return new sfn.StateMachine(this, 'Backfill', {
      definitionBody: sfn.DefinitionBody.fromChainable(map.next(writeReport).next(afterReport)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }

  /**
   * After the run report: a Distributed Map over the days the run wrote lake files for (the summary's list), in
   * chunks of days, one compaction function invocation per chunk, so that a backfill ends compacted. Chunks hold
   * disjoint days, so they publish at once (compactLake locks only its own days); a day locked by another
   * compaction (the schedule, a CLI run) is retried. The summary's output stays the state's, for the outcome.
   */
  private compactionMap(dest: s3.IBucket, destPrefix: string, props: FlowlakeStackProps): sfn.DistributedMap {
    const daysPerBatch = props.compactDaysPerBatch ?? DEFAULTS.compactDaysPerBatch;
    if (!Number.isInteger(daysPerBatch) || daysPerBatch < 1) {
      throw new Error(`compactDaysPerBatch must be a whole number of days, at least 1 (got ${daysPerBatch})`);
    }
    const compactChunk = new tasks.LambdaInvoke(this, 'CompactDayChunk', {
      lambdaFunction: this.compactor!,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    compactChunk.addRetry({
      errors: ['LakeLockedError'],
      interval: Duration.seconds(30),
      backoffRate: 2,
      maxAttempts: 6,
    });
    const map = new sfn.DistributedMap(this, 'CompactDays', {
      itemReader: new PrefixScopedJsonReader({
        bucket: dest,
        key: sfn.JsonPath.stringAt('$.daysKey'),
        allowedPrefix: `${destPrefix}_flowlake/runs/`,
      }),
      itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: daysPerBatch }),
      maxConcurrency: props.compactConcurrency ?? DEFAULTS.compactConcurrency,
      resultWriterV2: new PrefixScopedResultWriter({ bucket: dest, prefix: `${destPrefix}_flowlake/map-results` }),
      resultPath: '$.compaction',
      label: 'compact',
    });
    map.itemProcessor(compactChunk);
    map.addCatch(
      new sfn.Fail(this, 'SomeDaysNotCompacted', {
        error: 'FlowlakeCompactionFailed',
        causePath: '$.compactionError.Cause',
      }),
      { resultPath: '$.compactionError' },
    );
    return map;
  }

  /** Source objects per backfill invocation: many where they share files (the lake layouts), else few. */
  private itemsPerBatch(props: FlowlakeStackProps): number {
    if (props.securityLake) return DEFAULTS.securityLakeItemsPerBatch;
    return isLakeLayout(this.workerLayout) ? DEFAULTS.lakeItemsPerBatch : DEFAULTS.maxItemsPerBatch;
  }

  private realTimePath(source: s3.IBucket, sourcePrefix: string, workerTimeout: Duration, props: FlowlakeStackProps) {
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, 'ObjectCreated', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for Lambda event sources: at least six times the function timeout.
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 },
    });
    // On an imported bucket CDK configures this through its BucketNotificationsHandler custom resource,
    // which keeps the bucket's other notification configurations.
    source.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(queue),
      ...(sourcePrefix ? [{ prefix: sourcePrefix }] : []),
    );
    const batching = props.securityLake
      ? { batchSize: DEFAULTS.securityLakeQueueBatchSize, maxBatchingWindow: DEFAULTS.securityLakeBatchingWindow }
      : isLakeLayout(this.workerLayout)
        ? { batchSize: DEFAULTS.lakeQueueBatchSize, maxBatchingWindow: DEFAULTS.lakeBatchingWindow }
        : { batchSize: DEFAULTS.queueBatchSize };
    this.worker.addEventSource(
      new lambdaEvents.SqsEventSource(queue, {
        ...batching,
        ...(props.queueBatchSize ? { batchSize: props.queueBatchSize } : {}),
        reportBatchItemFailures: true,
      }),
    );
    return { queue, deadLetterQueue };
  }
}

/** What the compaction function touches, under the lake root (src/lake: keys, state, locks, checkpoints). */
const LAKE_DATA = ['AWSLogs/*', 'compacted/*'] as const;
const LAKE_STATE = 'lake-state/*';
const LAKE_LOCKS = '_flowlake/locks/*';
const LAKE_CHECKPOINTS = '_flowlake/checkpoints/*';
const LAKE_MARKERS = '_flowlake/done/*';
/** What a worker writes of its own when its outputs go elsewhere: markers, rejects files, checkpoint records. */
/** Claims on source objects (src/lake/claims.ts): invocations side by side never convert one object twice. */
const LAKE_CLAIMS = '_flowlake/claims/*';
const WORKER_BOOKKEEPING = [LAKE_MARKERS, '_flowlake/rejects/*', LAKE_CHECKPOINTS, LAKE_CLAIMS] as const;

/**
 * A worker writing a lake (hive, ocsf) commits in checkpoints (src/lake/checkpoint.ts): it reads and deletes
 * its checkpoint records, asks whether a record's files are visible (HEAD, which s3:GetObject allows) and
 * removes the files of a record it rolls back. It claims each object before converting it (src/lake/claims.ts):
 * reads a claim it finds, removes its own and abandoned ones. Only the layout's own data keys, never the rest
 * of the prefix.
 */
function lakeWriterStatements(
  dest: s3.IBucket,
  destPrefix: string,
  layout: LayoutName,
  lakeDest: SecurityLakeDestination | undefined,
): iam.PolicyStatement[] {
  const data = lakeDest
    ? [lakeDest.objectsArn]
    : [dest.arnForObjects(`${destPrefix}${layout === 'hive' ? 'AWSLogs/*' : 'region=*'}`)];
  return [
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [
        dest.arnForObjects(`${destPrefix}${LAKE_CHECKPOINTS}`),
        dest.arnForObjects(`${destPrefix}${LAKE_CLAIMS}`),
        ...data,
      ],
    }),
    ...(lakeDest ? [lakeDest.listStatement] : []),
  ];
}

/** Outputs written under the source prefix would be read back as sources (and feed the real-time path). */
function assertNoOverlap(sourcePrefix: string, destPrefix: string): void {
  if (sourcePrefix.startsWith(destPrefix) || destPrefix.startsWith(sourcePrefix)) {
    throw new Error(
      `destination prefix "${destPrefix}" overlaps source prefix "${sourcePrefix}" in the same bucket; use separate prefixes`,
    );
  }
}
