import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../../infra/context.js';
import { acknowledgeFindings, nagFindings } from '../../infra/nag.js';
import { DEFAULTS, FlowlakeStack } from '../../infra/stack.js';
import { athenaColumns, HIVE_PARTITIONS } from '../../src/athena/ddl.js';
import { lakeViewColumns, lakeViewSql } from '../../src/athena/lake.js';
import { requestFromEvent } from '../../src/aws/compact.js';
import { athenaDdlText } from '../../src/cli/athena-command.js';
import { resolveFormat } from '../../src/formats/format.js';
import { HUNTS } from '../../src/hunt/catalog.js';
import { actionsOf, flat, type Json, resourcesOf, type Statement } from '../support/cfn-template.js';

const SOURCE_BUCKET = 'example-flowlogs-stash';

interface GlueTable {
  DatabaseName: string;
  TableInput: {
    Name: string;
    TableType?: string;
    ViewOriginalText?: unknown;
    ViewExpandedText?: string;
    Parameters: Record<string, string>;
    PartitionKeys?: Array<{ Name: string; Type: string }>;
    StorageDescriptor: {
      Columns: Array<{ Name: string; Type: string }>;
      Location: unknown;
      SerdeInfo: { SerializationLibrary: string; Parameters?: Record<string, string> };
    };
  };
}
const SOURCE_PREFIX = 'firehose/vpc/';

function buildStack(context: Json, outdir?: string) {
  const app = new App({ outdir, context: { sourceBucket: SOURCE_BUCKET, sourcePrefix: SOURCE_PREFIX, ...context } });
  const stack = new FlowlakeStack(app, 'Flowlake', propsFromContext(app.node));
  acknowledgeFindings(stack);
  return { app, stack };
}

const OBJECT_ACTIONS = /^s3:(Get|Put|Delete|Abort|ListMultipartUploadParts|Restore|Replicate)/;

function summaryId(template: Template): string {
  return Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('Summary'))!;
}

function stateMachineOf(template: Template) {
  return Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: { DefinitionString: unknown; LoggingConfiguration: { Level: string } };
  };
}

/** The Glue tables (and views) of a template by name. */
function glueTables(template: Template): Record<string, GlueTable> {
  const tables = Object.values(template.findResources('AWS::Glue::Table')) as Array<{ Properties: GlueTable }>;
  return Object.fromEntries(tables.map((t) => [t.Properties.TableInput.Name, t.Properties]));
}

/**
 * The definition inside a Glue view's `/* Presto View: <base64> *\/`, as the template holds it: CloudFormation
 * encodes it at deployment (Fn::Base64), so the JSON is read before encoding, tokens as `${LogicalId}`.
 */
// biome-ignore lint/suspicious/noExplicitAny: a view definition is free-form JSON
function prestoDefinition(text: unknown): Record<string, any> {
  const [sep, parts] = (text as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  assert.equal(sep, '');
  assert.deepEqual([parts[0], parts[2]], ['/* Presto View: ', ' */']);
  return JSON.parse(flat((parts[1] as Json)['Fn::Base64']));
}

describe('FlowlakeStack (bundled once, locally with esbuild)', () => {
  let outdir: string;
  let stack: FlowlakeStack;
  let template: Template;
  let assemblyDir: string;

  before(() => {
    outdir = mkdtempSync(join(tmpdir(), 'flowlake-cdk-'));
    // The default stack: Parquet in the hive layout (the lake), with the real-time path.
    const built = buildStack({ realTime: 'true', destinationPrefix: 'converted/' }, outdir);
    stack = built.stack;
    assemblyDir = built.app.synth().directory;
    template = Template.fromStack(stack);
  });

  after(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles the three handlers (worker, summary, compaction) as ES modules with source maps, without Docker', () => {
    const assets = readdirSync(assemblyDir).filter((d) => d.startsWith('asset.'));
    const bundles = assets.filter((d) => readdirSync(join(assemblyDir, d)).includes('index.mjs'));
    assert.equal(bundles.length, 3, `bundled assets: ${assets.join(', ')}`);
    for (const dir of bundles) assert.ok(readdirSync(join(assemblyDir, dir)).includes('index.mjs.map'));
  });

  it('bundles a worker that loads as an ES module and answers an SQS event', async () => {
    const worker = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Worker'),
    )![1] as { Properties: { Code: { S3Key: string } } };
    const bundle = join(assemblyDir, `asset.${worker.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    const env = { SOURCE_BUCKET: 'b', DEST_BUCKET: 'd', POWERTOOLS_METRICS_DISABLED: 'true' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const { handler } = await import(pathToFileURL(bundle).href);
      const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
      const response = await handler({ Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: testEvent }] });
      assert.deepEqual(response, { batchItemFailures: [] });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('bundles a compaction function that loads as an ES module and reads its events', async () => {
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Compact'),
    )![1] as { Properties: { Code: { S3Key: string } } };
    const bundle = join(assemblyDir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    const saved = process.env.DEST_BUCKET;
    process.env.DEST_BUCKET = 'd';
    try {
      const { handler } = await import(pathToFileURL(bundle).href);
      await assert.rejects(handler({ hello: 'world' }), /unsupported event: expected \{Items: \[\{day\}\]\}/);
      await assert.rejects(handler({ days: ['2020-13-01'] }), /"2020-13-01" is not a day/);
    } finally {
      if (saved === undefined) delete process.env.DEST_BUCKET;
      else process.env.DEST_BUCKET = saved;
    }
  });

  it('runs the worker, the summary and the compaction function on nodejs24.x, arm64', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x' } });
    assert.deepEqual(
      Object.keys(functions)
        .map((id) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
      ['Compact', 'Summary', 'Worker'],
    );
    for (const fn of Object.values(functions))
      assert.deepEqual((fn as Json & { Properties: Json }).Properties.Architectures, ['arm64']);
  });

  it('has no function on a runtime older than nodejs24.x, with or without the real-time path', () => {
    const noRealTime = Template.fromStack(buildStack({ 'aws:cdk:bundling-stacks': [], realTime: 'false' }).stack);
    for (const t of [template, noRealTime]) {
      const runtimes = Object.entries(t.findResources('AWS::Lambda::Function')).map(
        ([id, fn]) => [id, String((fn as { Properties: Json }).Properties.Runtime)] as const,
      );
      assert.ok(runtimes.length >= 2);
      for (const [id, runtime] of runtimes) {
        const node = /^nodejs(\d+)\.x$/.exec(runtime);
        if (node) assert.ok(Number(node[1]) >= 24, `${id}: ${runtime}`);
        else {
          // CDK's own handler for S3 bucket notifications is the one function that is not Node.
          assert.match(id, /^BucketNotificationsHandler/, `${id}: ${runtime}`);
          assert.match(runtime, /^python3\.\d+$/, id);
        }
      }
    }
  });

  it('queues S3 notifications in an encrypted, TLS-only queue with a DLQ after 3 receives', () => {
    const worker = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'flowlake-worker' } } },
      }),
    )[0] as { Properties: { Timeout: number } };
    const queues = template.findResources('AWS::SQS::Queue');
    assert.equal(Object.keys(queues).length, 2);
    for (const q of Object.values(queues) as Array<{ Properties: Json }>) {
      assert.equal(q.Properties.SqsManagedSseEnabled, true);
    }
    const main = Object.values(queues).find((q) => (q as { Properties: Json }).Properties.RedrivePolicy) as {
      Properties: { RedrivePolicy: { maxReceiveCount: number }; VisibilityTimeout: number };
    };
    assert.equal(main.Properties.RedrivePolicy.maxReceiveCount, 3);
    assert.ok(main.Properties.VisibilityTimeout >= 6 * worker.Properties.Timeout);
    const tlsDenies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify(p).includes('"aws:SecureTransport":"false"'),
    );
    assert.equal(tlsDenies.length, 2);
    // The lake: up to a minute's messages per invocation, one file per partition for all of them.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: DEFAULTS.lakeQueueBatchSize,
      MaximumBatchingWindowInSeconds: 60,
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: SOURCE_PREFIX }] } },
          },
        ],
      },
    });
  });

  it('defines the backfill as a Distributed Map over the execution prefix, logging ALL', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
      Properties: { DefinitionString: unknown; LoggingConfiguration: { Level: string } };
    };
    assert.equal(machine.Properties.LoggingConfiguration.Level, 'ALL');
    const definition = JSON.parse(flat(machine.Properties.DefinitionString));
    const map = definition.States[definition.StartAt];
    assert.equal(map.Type, 'Map');
    assert.equal(map.ItemProcessor.ProcessorConfig.Mode, 'DISTRIBUTED');
    assert.match(map.ItemReader.Resource, /:states:::s3:listObjectsV2$/);
    assert.deepEqual(map.ItemReader.Parameters, { Bucket: SOURCE_BUCKET, 'Prefix.$': '$.prefix' });
    // The lake: many objects per invocation, which writes one file per partition.
    assert.equal(map.ItemBatcher.MaxItemsPerBatch, DEFAULTS.lakeItemsPerBatch);
    assert.ok(map.ItemBatcher.MaxInputBytesPerBatch > 0);
    assert.deepEqual(map.ItemBatcher.BatchInput, { settings: { formats: ['parquet'], layout: 'hive' } });
    assert.equal(map.MaxConcurrency, 40);
    assert.equal(map.ToleratedFailurePercentage, 5);
    assert.match(map.ResultWriter.Resource, /:states:::s3:putObject$/);
    assert.equal(map.ResultWriter.Parameters.Prefix, 'converted/_flowlake/map-results');
    const report = definition.States[map.Next];
    assert.equal(report.Type, 'Task');
    assert.equal(report.Parameters['resultWriterDetails.$'], '$.ResultWriterDetails');
  });

  it('ends the backfill compacted: a compaction Distributed Map over the days of the run, in chunks, after the report', () => {
    const definition = JSON.parse(flat(stateMachineOf(template).Properties.DefinitionString));
    const convert = definition.States[definition.StartAt];
    const report = definition.States[convert.Next];
    const compact = definition.States[report.Next];
    assert.equal(compact.Type, 'Map');
    assert.equal(compact.ItemProcessor.ProcessorConfig.Mode, 'DISTRIBUTED');
    assert.match(compact.ItemReader.Resource, /:states:::s3:getObject$/);
    assert.deepEqual(compact.ItemReader.ReaderConfig, { InputType: 'JSON' });
    assert.deepEqual(flat(compact.ItemReader.Parameters.Bucket), '${Destination920A3C57}');
    assert.equal(compact.ItemReader.Parameters['Key.$'], '$.daysKey');
    assert.equal(compact.ItemBatcher.MaxItemsPerBatch, 2);
    assert.equal(compact.MaxConcurrency, 10);
    assert.equal(compact.ResultPath, '$.compaction', 'the summary stays the state for the outcome');
    assert.equal(compact.ResultWriter.Parameters.Prefix, 'converted/_flowlake/map-results');
    const task = Object.values(compact.ItemProcessor.States)[0] as Json & { Retry: Json[] };
    const compactFn = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('Compact'),
    );
    assert.equal(flat(task.Resource), `\${${compactFn}.Arn}`);
    assert.ok(task.Retry.some((r) => (r.ErrorEquals as string[]).includes('LakeLockedError')));
    assert.deepEqual(
      compact.Catch.map((c: Json) => [c.ErrorEquals, definition.States[c.Next as string].Error]),
      [[['States.ALL'], 'FlowlakeCompactionFailed']],
    );
    assert.equal(definition.States[compact.Next].Type, 'Choice');
    assert.equal(
      flat(template.toJSON().Resources[summaryId(template)].Properties.Environment.Variables.LAKE_DAYS),
      'true',
    );
  });

  it('scopes the compaction function to the lake: its data, state, locks, checkpoints and markers, nothing else', () => {
    const id = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith('Compact'))!;
    const fn = template.toJSON().Resources[id].Properties;
    assert.deepEqual(fn.Environment.Variables.DEST_PREFIX, 'converted/');
    assert.equal(fn.Timeout, 900);
    assert.equal(fn.MemorySize, 4096);
    const { grants, statements } = grantsOf(template, 'Compact');
    const lake = (suffix: string) => `\${Destination920A3C57.Arn}/converted/${suffix}`;
    assert.deepEqual(
      [...grants.keys()].sort(),
      [
        's3:AbortMultipartUpload',
        's3:DeleteObject',
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        ...['logs:CreateLogStream', 'logs:PutLogEvents'],
      ].sort(),
    );
    assert.deepEqual(
      grants.get('s3:GetObject'),
      ['AWSLogs/*', 'compacted/*', 'lake-state/*', '_flowlake/locks/*', '_flowlake/checkpoints/*'].map(lake).sort(),
    );
    assert.deepEqual(
      grants.get('s3:PutObject'),
      ['compacted/*', 'lake-state/*', '_flowlake/locks/*', '_flowlake/done/*'].map(lake).sort(),
    );
    assert.deepEqual(
      grants.get('s3:DeleteObject'),
      ['AWSLogs/*', 'compacted/*', '_flowlake/locks/*', '_flowlake/checkpoints/*'].map(lake).sort(),
    );
    const list = statements.find((s) => actionsOf(s).includes('s3:ListBucket'))!;
    assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': ['converted/*'] } });
  });

  it("lets the worker commit and recover its checkpoints and claim objects: their records, its claims and the lake's data files, nothing wider", () => {
    const { grants } = grantsOf(template, 'Worker');
    const dest = (suffix: string) => `\${Destination920A3C57.Arn}/converted/${suffix}`;
    assert.deepEqual(
      grants.get('s3:DeleteObject'),
      ['AWSLogs/*', '_flowlake/checkpoints/*', '_flowlake/claims/*'].map(dest).sort(),
    );
    assert.deepEqual(
      grants.get('s3:GetObject'),
      [
        `arn:\${AWS::Partition}:s3:::${SOURCE_BUCKET}/${SOURCE_PREFIX}*`,
        ...['AWSLogs/*', '_flowlake/checkpoints/*', '_flowlake/claims/*', '_flowlake/done/*'].map(dest),
      ].sort(),
    );
    // The mirror layout writes each object's own files: no checkpoints, nothing to read back or delete.
    const mirror = Template.fromStack(
      buildStack({ 'aws:cdk:bundling-stacks': [], destinationPrefix: 'converted', formats: 'csv', layout: 'mirror' })
        .stack,
    );
    const mirrorGrants = grantsOf(mirror, 'Worker').grants;
    assert.equal(mirrorGrants.get('s3:DeleteObject'), undefined);
    assert.deepEqual(
      mirrorGrants.get('s3:GetObject')?.filter((r) => r.includes('Destination')),
      [dest('_flowlake/done/*')],
    );
  });

  it('compacts the real-time path on a schedule: 02:30 UTC, the two finished days, a role that only invokes it', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as Array<{
      Properties: Json & { Target: Json & { RetryPolicy: Json } };
    }>;
    assert.equal(schedules.length, 1);
    const schedule = schedules[0].Properties;
    assert.equal(schedule.ScheduleExpression, 'cron(30 2 * * ? *)');
    assert.equal(schedule.ScheduleExpressionTimezone, 'UTC');
    assert.deepEqual(schedule.FlexibleTimeWindow, { Mode: 'OFF' });
    assert.equal(schedule.State, 'ENABLED');
    const compactFn = Object.keys(template.findResources('AWS::Lambda::Function')).find((id) =>
      id.startsWith('Compact'),
    );
    assert.equal(flat(schedule.Target.Arn), `\${${compactFn}.Arn}`);
    const input = JSON.parse(schedule.Target.Input as string);
    assert.deepEqual(input, { scheduledTime: '<aws.scheduler.scheduled-time>', daysBack: [1, 2] });
    // What the function makes of it: the two days before the scheduled day.
    assert.deepEqual(requestFromEvent({ ...input, scheduledTime: '2026-03-01T02:30:00Z' }), {
      days: ['20260227', '20260228'],
    });

    const roleId = flat(schedule.Target.RoleArn).replace(/^\$\{(.+)\.Arn\}$/, '$1');
    const role = template.toJSON().Resources[roleId].Properties;
    const trust = role.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.length, 1);
    assert.deepEqual(trust[0].Principal, { Service: 'scheduler.amazonaws.com' });
    assert.deepEqual(Object.keys(trust[0].Condition.StringEquals).sort(), ['aws:SourceAccount', 'aws:SourceArn']);
    assert.equal(
      flat(trust[0].Condition.StringEquals['aws:SourceArn']),
      `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule/default/${schedule.Name}`,
    );
    assert.equal(role.ManagedPolicyArns, undefined);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify((p as { Properties: Json }).Properties.Roles).includes(roleId),
    ) as Array<{ Properties: { PolicyDocument: { Statement: Statement[] } } }>;
    assert.deepEqual(
      policies.flatMap((p) => p.Properties.PolicyDocument.Statement).map((s) => [s.Action, resourcesOf(s).map(flat)]),
      [['lambda:InvokeFunction', [`\${${compactFn}.Arn}`]]],
    );
  });

  it('grants no s3:* and no S3 object action on *, and reads the source only under its prefix', () => {
    const statements: Array<Statement & { policy: string }> = [];
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      const doc = (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument;
      for (const s of doc.Statement) statements.push({ ...s, policy: id });
    }
    for (const s of statements) {
      const actions = actionsOf(s);
      assert.ok(!actions.includes('s3:*') && !actions.includes('*'), `${s.policy}: ${actions}`);
      if (actions.some((a) => OBJECT_ACTIONS.test(a))) {
        for (const r of resourcesOf(s)) assert.notEqual(flat(r), '*', `${s.policy} grants ${actions} on *`);
      }
    }
    const onSource = statements.filter((s) => resourcesOf(s).some((r) => flat(r).includes(`:s3:::${SOURCE_BUCKET}`)));
    assert.ok(onSource.length > 0);
    for (const s of onSource) {
      if (s.policy.startsWith('SourceBucketNotificationsHandler')) {
        // CDK's deploy-time custom resource that sets the bucket notification (real-time path).
        assert.deepEqual(
          actionsOf(s).filter((a) => !/^s3:(Put|Get)BucketNotification$/.test(a)),
          [],
        );
        continue;
      }
      for (const action of actionsOf(s)) {
        if (action === 's3:GetObject') {
          assert.deepEqual(resourcesOf(s).map(flat), [
            `arn:\${AWS::Partition}:s3:::${SOURCE_BUCKET}/${SOURCE_PREFIX}*`,
          ]);
        } else if (action === 's3:ListBucket') {
          assert.deepEqual(s.Condition, { StringLike: { 's3:prefix': [`${SOURCE_PREFIX}*`] } });
        } else {
          assert.fail(`${s.policy} grants ${action} on the source bucket`);
        }
      }
    }
  });

  it('creates a destination bucket that blocks public access, enforces TLS, encrypts and logs access', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    assert.equal(Object.keys(buckets).length, 3); // destination, its access-log bucket, Athena results
    for (const bucket of Object.values(buckets) as Array<{ Properties: Json }>) {
      assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.ok(bucket.Properties.BucketEncryption);
    }
    assert.equal(Object.values(buckets).filter((b) => JSON.stringify(b).includes('LoggingConfiguration')).length, 2);
    const tlsOnly = Object.values(template.findResources('AWS::S3::BucketPolicy')).filter((p) =>
      JSON.stringify(p).includes('"aws:SecureTransport":"false"'),
    );
    assert.equal(tlsOnly.length, 3);
  });

  it('lands the user in Athena: the lake as recent (hourly), compacted (daily) and state tables, none over _flowlake/', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'flowlake' } });
    const byName = glueTables(template);
    assert.deepEqual(Object.keys(byName).sort(), [
      'vpc_flow_logs_parquet_compacted',
      'vpc_flow_logs_parquet_flows',
      'vpc_flow_logs_parquet_recent',
      'vpc_flow_logs_parquet_state',
    ]);
    const expected = athenaColumns(resolveFormat('v2')).map((c) => ({ Name: c.name, Type: c.type }));
    const recent = byName.vpc_flow_logs_parquet_recent.TableInput;
    const compacted = byName.vpc_flow_logs_parquet_compacted.TableInput;
    const state = byName.vpc_flow_logs_parquet_state.TableInput;
    for (const table of [recent, compacted]) {
      assert.deepEqual(table.StorageDescriptor.Columns, expected);
      assert.match(table.StorageDescriptor.SerdeInfo.SerializationLibrary, /ParquetHiveSerDe$/);
      assert.equal(table.Parameters['projection.enabled'], 'true');
      assert.equal(table.Parameters['projection.aws-account-id.type'], 'injected');
    }
    const root = `s3://\${Destination920A3C57}/converted/`;
    assert.equal(flat(recent.StorageDescriptor.Location), `${root}AWSLogs/`);
    assert.deepEqual(
      recent.PartitionKeys,
      HIVE_PARTITIONS.map((p) => ({ Name: p, Type: 'string' })),
    );
    assert.match(flat(recent.Parameters['storage.location.template']), /\/day=\$\{day\}\/hour=\$\{hour\}\/$/);
    assert.equal(flat(compacted.StorageDescriptor.Location), `${root}compacted/AWSLogs/`);
    assert.deepEqual(
      compacted.PartitionKeys?.map((p) => p.Name),
      HIVE_PARTITIONS.filter((p) => p !== 'hour'),
    );
    assert.equal(compacted.Parameters['projection.hour.type'], undefined);
    assert.equal(
      flat(compacted.Parameters['storage.location.template']),
      `${root}compacted/AWSLogs/aws-account-id=\${aws-account-id}/aws-service=\${aws-service}/aws-region=\${aws-region}/year=\${year}/month=\${month}/day=\${day}/`,
    );
    assert.equal(flat(state.StorageDescriptor.Location), `${root}lake-state/`);
    assert.deepEqual(
      state.StorageDescriptor.Columns.map((c) => c.Name),
      ['kind', 'account', 'region', 'day', 'generation', 'path', 'delete_after'],
    );
    assert.equal(state.Parameters['skip.header.line.count'], '1');
    for (const t of Object.values(byName)) {
      const location = flat(t.TableInput.StorageDescriptor.Location ?? '');
      assert.doesNotMatch(location, /_flowlake/);
    }
  });

  it('defines the flows view in Glue as Athena does: reading the three tables and the state once, by "$path"', () => {
    const view = glueTables(template).vpc_flow_logs_parquet_flows;
    assert.equal(view.TableInput.TableType, 'VIRTUAL_VIEW');
    assert.deepEqual(view.TableInput.Parameters, { presto_view: 'true', comment: 'Presto View' });
    assert.equal(view.TableInput.ViewExpandedText, '/* Presto View */');
    const definition = prestoDefinition(view.TableInput.ViewOriginalText);
    assert.equal(definition.catalog, 'awsdatacatalog');
    assert.equal(definition.schema, 'flowlake');
    const options = {
      location: `s3://\${Destination920A3C57}/converted/`,
      output: 'parquet',
      layout: 'hive',
      format: resolveFormat('v2'),
      database: 'flowlake',
    } as const;
    assert.equal(definition.originalSql, lakeViewSql(options));
    for (const table of ['recent', 'compacted', 'state'])
      assert.match(definition.originalSql, new RegExp(`FROM "flowlake"\\."vpc_flow_logs_parquet_${table}"`));
    assert.equal(definition.originalSql.match(/FROM "flowlake"\."vpc_flow_logs_parquet_state"/g)?.length, 1);
    assert.match(definition.originalSql, /GROUP BY "\$path"/);
    assert.match(
      definition.originalSql,
      /substr\("\$path", length\('s3:\/\/\$\{Destination920A3C57\}\/converted\/'\) \+ 1\)/,
    );
    const columns = lakeViewColumns(options);
    assert.deepEqual(
      view.TableInput.StorageDescriptor.Columns,
      columns.map((c) => ({ Name: c.name, Type: c.type })),
    );
    assert.deepEqual(
      definition.columns.map((c: { name: string }) => c.name),
      columns.map((c) => c.name),
    );
    assert.equal(definition.columns[0].type, 'timestamp(3)');
  });

  it('gives Athena a workgroup that enforces encrypted results outside every table location', () => {
    const workGroups = Object.values(template.findResources('AWS::Athena::WorkGroup')) as Array<{
      Properties: { WorkGroupConfiguration: Json & { ResultConfiguration: Json } };
    }>;
    assert.equal(workGroups.length, 1);
    const config = workGroups[0].Properties.WorkGroupConfiguration;
    assert.equal(config.EnforceWorkGroupConfiguration, true);
    assert.deepEqual(config.ResultConfiguration.EncryptionConfiguration, { EncryptionOption: 'SSE_S3' });
    const results = flat(config.ResultConfiguration.OutputLocation);
    const resultsBucket = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) =>
      id.startsWith('AthenaResults'),
    );
    assert.equal(results, `s3://\${${resultsBucket}}/athena-results/`);
    for (const t of Object.values(glueTables(template))) {
      if (t.TableInput.TableType === 'VIRTUAL_VIEW') continue;
      const location = flat(t.TableInput.StorageDescriptor.Location);
      assert.ok(!results.startsWith(location) && !location.startsWith(results), `${results} vs ${location}`);
    }
    // Results expire.
    const bucket = template.findResources('AWS::S3::Bucket')[resultsBucket!] as { Properties: Json };
    assert.match(JSON.stringify(bucket.Properties.LifecycleConfiguration), /"ExpirationInDays":30/);
  });

  it('saves one Athena named query per hunt, in the workgroup and database, reading the flows view', () => {
    const queries = Object.entries(template.findResources('AWS::Athena::NamedQuery')) as Array<
      [
        string,
        {
          Properties: { Name: string; Database: string; WorkGroup: unknown; QueryString: string };
          DependsOn: string[];
        },
      ]
    >;
    assert.deepEqual(
      queries.map(([, q]) => q.Properties.Name),
      HUNTS.map((h) => `flowlake-${h.name}`),
    );
    const workGroup = Object.keys(template.findResources('AWS::Athena::WorkGroup'))[0];
    const viewId = Object.entries(template.findResources('AWS::Glue::Table')).find(
      ([, t]) => (t as { Properties: GlueTable }).Properties.TableInput.TableType === 'VIRTUAL_VIEW',
    )![0];
    for (const [, q] of queries) {
      assert.equal(q.Properties.Database, 'flowlake');
      assert.deepEqual(q.Properties.WorkGroup, { Ref: workGroup });
      assert.match(
        q.Properties.QueryString,
        /^WITH flows AS \(\n {2}SELECT \* FROM "flowlake"\."vpc_flow_logs_parquet_flows"\n/m,
      );
      assert.doesNotMatch(q.Properties.QueryString, /\$path/, 'the view keeps the data files itself');
      assert.ok(q.DependsOn.includes(viewId), 'created after the view');
    }
    for (const output of ['AthenaWorkGroup', 'GlueDatabase', 'GlueTable', 'AthenaResultsUrl'])
      template.hasOutput(output, {});
    template.hasOutput('GlueTable', { Value: 'vpc_flow_logs_parquet_flows' });
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    assert.deepEqual(
      nagFindings(stack).map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
      [],
    );
  });
});

describe('FlowlakeStack variants (not bundled)', () => {
  const noBundling = { 'aws:cdk:bundling-stacks': [] };

  it('passes cdk-nag with an imported destination and no real-time path', () => {
    const { app, stack } = buildStack({ ...noBundling, destinationBucket: 'existing-dest', destinationPrefix: 'out' });
    app.synth();
    assert.deepEqual(
      nagFindings(stack).map((v) => v.ruleName),
      [],
    );
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 1); // Athena results only
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('projects the lake: v5 columns, projection from 2015, enum account/region, the view over an imported bucket', () => {
    const { app, stack } = buildStack({
      ...noBundling,
      destinationBucket: 'lake',
      destinationPrefix: 'flows',
      formats: 'parquet',
      layout: 'hive',
      fields: 'v5',
      accounts: '123456789012',
      regions: 'eu-west-1,us-east-1',
    });
    app.synth();
    assert.deepEqual(
      nagFindings(stack).map((v) => v.ruleName),
      [],
    );
    const template = Template.fromStack(stack);
    const tables = glueTables(template);
    assert.equal(Object.keys(tables).length, 4);
    const input = tables.vpc_flow_logs_parquet_recent.TableInput;
    assert.deepEqual(
      input.StorageDescriptor.Columns.map((c) => c.Name),
      athenaColumns(resolveFormat('v5')).map((c) => c.name),
    );
    assert.ok(input.StorageDescriptor.Columns.some((c) => c.Name === 'pkt_srcaddr'));
    assert.equal(input.StorageDescriptor.Location, 's3://lake/flows/AWSLogs/');
    for (const name of ['vpc_flow_logs_parquet_recent', 'vpc_flow_logs_parquet_compacted']) {
      const p = tables[name].TableInput.Parameters;
      assert.equal(p['projection.enabled'], 'true');
      assert.equal(p['projection.year.range'].split(',')[0], '2015');
      assert.equal(p['projection.aws-account-id.type'], 'enum');
      assert.equal(p['projection.aws-account-id.values'], '123456789012');
      assert.equal(p['projection.aws-region.values'], 'eu-west-1,us-east-1');
    }
    assert.equal(
      input.Parameters['storage.location.template'],
      's3://lake/flows/AWSLogs/aws-account-id=${aws-account-id}/aws-service=${aws-service}/aws-region=${aws-region}/year=${year}/month=${month}/day=${day}/hour=${hour}/',
    );
    // The view is the text `flowlake athena-ddl` prints for the same lake.
    const definition = prestoDefinition(tables.vpc_flow_logs_parquet_flows.TableInput.ViewOriginalText);
    const ddl = athenaDdlText({
      location: 's3://lake/flows',
      to: 'parquet',
      layout: 'hive',
      fields: 'v5',
      database: 'flowlake',
      accounts: ['123456789012'],
      regions: ['eu-west-1', 'us-east-1'],
      queries: true,
    });
    assert.ok(
      ddl.includes(`CREATE OR REPLACE VIEW "flowlake"."vpc_flow_logs_parquet_flows" AS\n${definition.originalSql};`),
    );
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')) as Array<{
      Properties: { QueryString: string };
    }>;
    assert.equal(queries.length, HUNTS.length);
    for (const q of queries) {
      assert.match(q.Properties.QueryString, /concat\(year, month, day\) >= date_format/);
      assert.doesNotMatch(q.Properties.QueryString, /111122223333/); // the accounts are an enum: nothing to fill in
      assert.ok(ddl.includes(q.Properties.QueryString), 'the named query is the one athena-ddl prints');
    }
  });

  it('keeps the mirror layout for CSV and Parquet when asked: one table per output kind, no lake, no compaction', () => {
    const { stack } = buildStack({ ...noBundling, formats: 'csv,parquet', layout: 'mirror', realTime: 'true' });
    assert.equal(stack.compactor, undefined);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    // Each object its own files: small batches, no waiting.
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as { Properties: Json };
    assert.equal(mapping.Properties.BatchSize, DEFAULTS.queueBatchSize);
    assert.equal(mapping.Properties.MaximumBatchingWindowInSeconds, undefined);
    const services = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: Json } } }).Properties.Environment?.Variables
          ?.POWERTOOLS_SERVICE_NAME,
    );
    assert.deepEqual(services.filter(Boolean).sort(), ['flowlake-summary', 'flowlake-worker']);
    const byName = glueTables(template);
    assert.deepEqual(Object.keys(byName).sort(), ['vpc_flow_logs_csv', 'vpc_flow_logs_parquet']);
    const expected = athenaColumns(resolveFormat('v2')).map((c) => ({ Name: c.name, Type: c.type }));
    const parquet = byName.vpc_flow_logs_parquet.TableInput;
    assert.deepEqual(parquet.StorageDescriptor.Columns, expected);
    assert.match(parquet.StorageDescriptor.SerdeInfo.SerializationLibrary, /ParquetHiveSerDe$/);
    assert.deepEqual(parquet.PartitionKeys ?? [], []);
    const csv = byName.vpc_flow_logs_csv.TableInput;
    // CSV holds the ISO text of the time; every other column has the Parquet type; `-` reads as NULL.
    assert.deepEqual(
      csv.StorageDescriptor.Columns,
      expected.map((c) => (c.Name === 'timestamp' ? { ...c, Type: 'string' } : c)),
    );
    assert.equal(csv.Parameters['skip.header.line.count'], '1');
    assert.equal(csv.StorageDescriptor.SerdeInfo.Parameters?.['serialization.null.format'], '-');
    const definition = JSON.parse(flat(stateMachineOf(template).Properties.DefinitionString));
    assert.deepEqual(Object.keys(definition.States).sort(), [
      'AllObjectsConverted',
      'ConvertObjects',
      'EveryObjectConverted',
      'SomeObjectsFailed',
      'WriteRunReport',
    ]);
    for (const q of Object.values(template.findResources('AWS::Athena::NamedQuery')) as Array<{
      Properties: { QueryString: string };
    }>)
      assert.match(q.Properties.QueryString, /SELECT \* FROM "flowlake"\."vpc_flow_logs_parquet"\n/);
  });

  it('reads the typed CSV table in the named queries when the stack writes only CSV, data files only', () => {
    const { stack } = buildStack({ ...noBundling, formats: 'csv' });
    const template = Template.fromStack(stack);
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')) as Array<{
      Properties: { QueryString: string };
    }>;
    assert.equal(queries.length, HUNTS.length);
    for (const q of queries) {
      assert.match(q.Properties.QueryString, /SELECT \* FROM "flowlake"\."vpc_flow_logs_csv"\n/);
      assert.match(q.Properties.QueryString, /"\$path" LIKE '%\.csv\.gz' AND strpos\("\$path", '\/_flowlake\/'\) = 0/);
    }
  });

  it('passes cdk-nag in a concrete account and region (ARNs then print them literally)', () => {
    const app = new App({ context: { ...noBundling, sourceBucket: SOURCE_BUCKET, realTime: 'true' } });
    const stack = new FlowlakeStack(app, 'Flowlake', {
      ...propsFromContext(app.node),
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    acknowledgeFindings(stack);
    app.synth();
    assert.deepEqual(
      nagFindings(stack).map((v) => v.ruleName),
      [],
    );
  });

  it('refuses an unknown output format at synthesis', () => {
    assert.throws(() => buildStack({ ...noBundling, formats: 'csv,xlsx' }), /unknown output format "xlsx"/);
  });

  it('refuses a destination that overlaps the source prefix in the same bucket', () => {
    assert.throws(
      () => buildStack({ ...noBundling, destinationBucket: SOURCE_BUCKET, destinationPrefix: `${SOURCE_PREFIX}out/` }),
      /overlaps/,
    );
  });
});

/** Each action a function's role policy grants, with the resources it grants it on (all statements merged). */
function grantsOf(template: Template, functionIdPrefix: string) {
  const id = Object.keys(template.findResources('AWS::Lambda::Function')).find((k) => k.startsWith(functionIdPrefix));
  assert.ok(id, `no function ${functionIdPrefix}…`);
  const fn = template.toJSON().Resources[id].Properties;
  const role = flat(fn.Role).replace(/^\$\{(.+)\.Arn\}$/, '$1');
  const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
    JSON.stringify((p as { Properties: Json }).Properties.Roles).includes(role),
  ) as { Properties: { PolicyDocument: { Statement: Statement[] } } };
  const statements = policy.Properties.PolicyDocument.Statement;
  const grants = new Map<string, string[]>();
  for (const s of statements) {
    for (const action of actionsOf(s))
      grants.set(action, [...(grants.get(action) ?? []), ...resourcesOf(s).map(flat)].sort());
  }
  return { grants, statements };
}
