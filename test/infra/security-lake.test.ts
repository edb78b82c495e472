import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { propsFromContext } from '../../infra/context.js';
import { acknowledgeFindings, nagFindings } from '../../infra/nag.js';
import { securityLakeFromContext } from '../../infra/security-lake.js';
import { DEFAULTS, FlowlakeStack } from '../../infra/stack.js';
import { actionsOf, flat, type Json, resourcesOf, type Statement } from '../support/cfn-template.js';

const LAKE_BUCKET = 'aws-security-data-lake-us-east-1-abcdef0123';
const LOCATION = `s3://${LAKE_BUCKET}/ext/vpcflow/`;
/** The worker's own folders under the destination when its outputs go to Security Lake. */
const BOOKKEEPING = ['done', 'rejects', 'checkpoints', 'claims'];
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function build(context: Json, env?: { account: string; region: string }) {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      sourceBucket: 'stash',
      sourcePrefix: 'firehose/',
      destinationPrefix: 'flowlake/',
      ...context,
    },
  });
  const stack = new FlowlakeStack(app, 'Flowlake', { ...propsFromContext(app.node), ...(env ? { env } : {}) });
  acknowledgeFindings(stack);
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

const creating = () => build({ realTime: 'true', securityLake: 'sourceName=vpcflow,sourceVersion=2.0' });
const existing = () => build({ realTime: 'true', securityLake: { location: LOCATION, kmsKeyArn: KMS_KEY } });

type Resource = { Type: string; Properties: Json; DependsOn?: string[] };

function resourceOf(template: Template, type: string, prefix: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  assert.equal(found.length, 1, `one ${type} ${prefix}*`);
  return found[0] as [string, Resource];
}

function workerEnv(template: Template): Record<string, unknown> {
  const [, fn] = resourceOf(template, 'AWS::Lambda::Function', 'Worker');
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

function policyStatements(template: Template, prefix: string): Statement[] {
  const [, policy] = resourceOf(template, 'AWS::IAM::Policy', prefix);
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

/** The S3 object writes of a role's policy, as `action → resources`. */
function s3Writes(statements: Statement[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of statements) {
    for (const action of actionsOf(s).filter((a) => /^s3:(Put|Delete|Abort|Replicate|Restore)/.test(a))) {
      out[action] = [...(out[action] ?? []), ...resourcesOf(s).map(flat)].sort();
    }
  }
  return out;
}

/** Evaluates the intrinsic functions a value uses, with the given attribute values (`Logical.Attr`). */
function evaluate(value: unknown, attributes: Record<string, string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, attributes));
  const v = value as Json;
  if (v.Ref === 'AWS::Partition') return 'aws';
  if (v['Fn::GetAtt']) return attributes[(v['Fn::GetAtt'] as string[]).join('.')];
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => evaluate(p, attributes)).join(sep);
  }
  if (v['Fn::Split']) {
    const [sep, text] = v['Fn::Split'] as [string, unknown];
    return String(evaluate(text, attributes)).split(sep);
  }
  if (v['Fn::Select']) {
    const [index, list] = v['Fn::Select'] as [number, unknown];
    return (evaluate(list, attributes) as unknown[])[index];
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

describe('Security Lake: the stack creates the custom source (sourceName)', () => {
  it('creates it through the Security Lake API: NETWORK_ACTIVITY, its name and version, this account as provider', () => {
    const { template } = creating();
    const [, source] = resourceOf(template, 'Custom::SecurityLakeCustomLogSource', 'SecurityLakeCustomLogSource');
    const call = JSON.parse(flat(source.Properties.Create));
    assert.equal(call.service, 'SecurityLake');
    assert.equal(call.action, 'CreateCustomLogSource');
    const [crawlerId, crawler] = resourceOf(template, 'AWS::IAM::Role', 'SecurityLakeCrawlerRole');
    assert.deepEqual(call.parameters, {
      sourceName: 'vpcflow',
      sourceVersion: '2.0',
      eventClasses: ['NETWORK_ACTIVITY'],
      configuration: {
        crawlerConfiguration: { roleArn: `\${${crawlerId}.Arn}` },
        providerIdentity: { principal: '${AWS::AccountId}', externalId: 'flowlake-vpcflow' },
      },
    });
    // Made once: an update with other settings makes the call again (a new name is a new source).
    assert.deepEqual(JSON.parse(flat(source.Properties.Update)), call);
    assert.equal(source.Properties.Delete, undefined, 'the source and its data stay when the stack goes');
    assert.ok(source.DependsOn?.some((id) => id.startsWith('SecurityLakeCrawlerRole')));
    // The crawler role: trusted by Glue, AWSGlueServiceRole, the source's objects in the lake bucket.
    assert.match(JSON.stringify(crawler.Properties.AssumeRolePolicyDocument), /glue\.amazonaws\.com/);
    assert.match(JSON.stringify(crawler.Properties.ManagedPolicyArns), /service-role\/AWSGlueServiceRole/);
    assert.deepEqual(s3Writes(policyStatements(template, 'SecurityLakeCrawlerRoleDefaultPolicy')), {
      's3:PutObject': ['arn:${AWS::Partition}:s3:::aws-security-data-lake-${AWS::Region}-*/ext/vpcflow/*'],
    });
    template.hasOutput('SecurityLakeLocation', {});
    template.hasOutput('SecurityLakeProviderRoleArn', {});
  });

  it('gives the deploy-time call Security Lake rights on the default data lake and S3 writes under ext/<name>/ only', () => {
    const { template } = creating();
    const statements = policyStatements(template, 'SecurityLakeCreateSourceRoleDefaultPolicy');
    const create = statements.find((s) => actionsOf(s).includes('securitylake:CreateCustomLogSource'));
    assert.deepEqual(resourcesOf(create!).map(flat), [
      'arn:${AWS::Partition}:securitylake:${AWS::Region}:${AWS::AccountId}:data-lake/default',
    ]);
    assert.deepEqual(s3Writes(statements), {
      's3:PutObject': ['arn:${AWS::Partition}:s3:::aws-security-data-lake-${AWS::Region}-*/ext/vpcflow/*'],
    });
    const roles = statements.filter((s) => actionsOf(s).includes('iam:CreateRole'));
    assert.equal(roles.length, 1);
    assert.deepEqual(resourcesOf(roles[0]).map(flat), [
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*AmazonSecurityLake-Provider-vpcflow-*',
    ]);
    assert.match(JSON.stringify(roles[0].Condition), /AmazonSecurityLakePermissionsBoundary/);
    assert.ok(statements.every((s) => !actionsOf(s).some((a) => a.endsWith(':*') || a === '*')));
  });

  it('runs the worker for OCSF into the location the API answers, with its bookkeeping under the destination', () => {
    const { template } = creating();
    const env = workerEnv(template);
    assert.equal(env.FORMATS, 'ocsf');
    assert.equal(env.LAYOUT, 'ocsf');
    assert.equal(env.DEST_PREFIX, 'flowlake/');
    assert.equal(env.SOURCE_VERSION, undefined, "the location ends with the version's folder already");
    const [sourceId] = resourceOf(template, 'Custom::SecurityLakeCustomLogSource', 'SecurityLakeCustomLogSource');
    const [destination] = resourceOf(template, 'AWS::S3::Bucket', 'Destination');
    // However Security Lake writes the location, with or without its trailing slash: the same folder, and the
    // worker may write there and under its own _flowlake/ only.
    for (const location of [LOCATION, LOCATION.slice(0, -1), `s3://${LAKE_BUCKET}/ext/vpcflow/2.0/`]) {
      const attributes = {
        [`${sourceId}.source.provider.location`]: location,
        [`${destination}.Arn`]: 'arn:aws:s3:::flowlake-dest',
      };
      const folder = location.endsWith('/') ? location : `${location}/`;
      assert.equal(evaluate(env.OUTPUT_URL, attributes), folder);
      const writes = policyStatements(template, 'WorkerRoleDefaultPolicy').filter((s) =>
        actionsOf(s).some((a) => /^s3:(Put|Delete|Abort)/.test(a)),
      );
      assert.deepEqual(writes.map(actionsOf), [
        ['s3:PutObject', 's3:AbortMultipartUpload'],
        ['s3:GetObject', 's3:DeleteObject'],
      ]);
      const [put, recovery] = writes.map((w) => resourcesOf(w).map((r) => evaluate(r, attributes)));
      assert.deepEqual(put, [
        `arn:aws:s3:::${folder.slice('s3://'.length)}*`,
        ...BOOKKEEPING.map((f) => `arn:aws:s3:::flowlake-dest/flowlake/_flowlake/${f}/*`),
      ]);
      // Checkpoint recovery: its records, and whether a record's files are visible (rolled back: removed).
      assert.deepEqual(recovery, [
        'arn:aws:s3:::flowlake-dest/flowlake/_flowlake/checkpoints/*',
        'arn:aws:s3:::flowlake-dest/flowlake/_flowlake/claims/*',
        `arn:aws:s3:::${folder.slice('s3://'.length)}*`,
      ]);
    }
  });

  it('batches real time so that objects hold 5 minutes or more: a 5-minute window, 100 messages; backfill 100 objects', () => {
    const { template } = creating();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 300,
      BatchSize: DEFAULTS.securityLakeQueueBatchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const [, machine] = resourceOf(template, 'AWS::StepFunctions::StateMachine', 'Backfill');
    const definition = JSON.parse(flat(machine.Properties.DefinitionString));
    const map = definition.States.ConvertObjects;
    assert.equal(map.ItemBatcher.MaxItemsPerBatch, DEFAULTS.securityLakeItemsPerBatch);
    assert.deepEqual(map.ItemBatcher.BatchInput.settings, { formats: ['ocsf'], layout: 'ocsf' });
    // A queueBatchSize of the user's still wins.
    const own = build({ realTime: 'true', queueBatchSize: '20', securityLake: 'sourceName=vpcflow' }).template;
    own.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 300,
      BatchSize: 20,
    });
  });

  it("has no flowlake lake: no compaction function, schedule or lake tables (OCSF is Security Lake's to keep)", () => {
    const { stack, template } = creating();
    assert.equal(stack.compactor, undefined);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Glue::Table', 0);
    const [, machine] = resourceOf(template, 'AWS::StepFunctions::StateMachine', 'Backfill');
    assert.doesNotMatch(flat(machine.Properties.DefinitionString), /CompactDays/);
  });

  it('uses a crawler role of the user when given one, and creates none', () => {
    const role = 'arn:aws:iam::123456789012:role/service-role/vpcflow-crawler';
    const { stack, template } = build({ securityLake: { sourceName: 'vpcflow', crawlerRoleArn: role } });
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    assert.ok(!roles.some((id) => id.startsWith('SecurityLakeCrawlerRole')));
    const [, source] = resourceOf(template, 'Custom::SecurityLakeCustomLogSource', 'SecurityLakeCustomLogSource');
    assert.equal(
      JSON.parse(flat(source.Properties.Create)).parameters.configuration.crawlerConfiguration.roleArn,
      role,
    );
    const passRole = policyStatements(template, 'SecurityLakeCreateSourceRoleDefaultPolicy').find((s) =>
      actionsOf(s).includes('iam:PassRole'),
    );
    assert.deepEqual(resourcesOf(passRole!).map(flat), [role]);
    assert.deepEqual(nagFindings(stack), []);
  });

  it('passes cdk-nag with every finding acknowledged, also in a concrete account and region', () => {
    assert.deepEqual(nagFindings(creating().stack), []);
    const concrete = build(
      { realTime: 'true', securityLake: 'sourceName=vpcflow' },
      {
        account: '123456789012',
        region: 'us-east-1',
      },
    );
    assert.deepEqual(nagFindings(concrete.stack), []);
  });
});

describe('Security Lake: an existing custom source (location)', () => {
  it('creates no custom source, no crawler role and no deploy-time function', () => {
    const { template } = existing();
    template.resourceCountIs('Custom::SecurityLakeCustomLogSource', 0);
    const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter(
      (id) => !id.startsWith('BucketNotificationsHandler'),
    );
    assert.deepEqual(functions.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort(), ['Summary', 'Worker']);
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    assert.ok(!roles.some((id) => id.startsWith('SecurityLake')));
    template.hasOutput('SecurityLakeLocation', { Value: LOCATION });
  });

  it('lets the worker write the OCSF files under the location and its bookkeeping under _flowlake/, nothing wider', () => {
    const { template } = existing();
    const env = workerEnv(template);
    assert.equal(env.OUTPUT_URL, LOCATION);
    assert.equal(env.FORMATS, 'ocsf');
    assert.equal(env.LAYOUT, 'ocsf');
    const statements = policyStatements(template, 'WorkerRoleDefaultPolicy');
    const destination = resourceOf(template, 'AWS::S3::Bucket', 'Destination')[0];
    const objects = [
      ...BOOKKEEPING.map((f) => `\${${destination}.Arn}/flowlake/_flowlake/${f}/*`),
      `arn:\${AWS::Partition}:s3:::${LAKE_BUCKET}/ext/vpcflow/*`,
    ].sort();
    const location = `arn:\${AWS::Partition}:s3:::${LAKE_BUCKET}/ext/vpcflow/*`;
    const own = (f: string) => `\${${destination}.Arn}/flowlake/_flowlake/${f}/*`;
    assert.deepEqual(s3Writes(statements), {
      's3:AbortMultipartUpload': objects,
      's3:PutObject': objects,
      's3:DeleteObject': [own('checkpoints'), own('claims'), location].sort(),
    });
    // On the lake bucket: its writes, and what checkpoint recovery needs (HEAD, a listing under the location).
    const onLake = statements.filter((s) => resourcesOf(s).some((r) => flat(r).includes(LAKE_BUCKET)));
    assert.deepEqual(onLake.flatMap(actionsOf).sort(), [
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    const list = onLake.find((s) => actionsOf(s).includes('s3:ListBucket'));
    assert.deepEqual(list?.Condition, { StringLike: { 's3:prefix': ['ext/vpcflow/*'] } });
    const kms = statements.find((s) => actionsOf(s).includes('kms:GenerateDataKey'));
    assert.deepEqual(resourcesOf(kms!), [KMS_KEY]);
    assert.deepEqual(kms!.Condition, { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } });
  });

  it('passes cdk-nag with every finding acknowledged', () => {
    assert.deepEqual(nagFindings(existing().stack), []);
    assert.deepEqual(nagFindings(build({ securityLake: `location=${LOCATION}` }).stack), []);
  });
});

describe('Security Lake: the securityLake context value', () => {
  it('reads JSON, an object (cdk.json) and key=value pairs alike', () => {
    const expected = { sourceName: 'vpcflow', sourceVersion: '2.0', flowRegion: 'eu-west-1' };
    assert.deepEqual(
      securityLakeFromContext('{"sourceName":"vpcflow","sourceVersion":"2.0","flowRegion":"eu-west-1"}'),
      expected,
    );
    assert.deepEqual(securityLakeFromContext(expected), expected);
    assert.deepEqual(securityLakeFromContext('sourceName=vpcflow, sourceVersion=2.0,flowRegion=eu-west-1'), expected);
    assert.equal(securityLakeFromContext(undefined), undefined);
    assert.equal(securityLakeFromContext(''), undefined);
  });

  it('passes flowRegion to the worker and the backfill', () => {
    const { template } = build({ securityLake: `location=${LOCATION},flowRegion=eu-west-1` });
    assert.equal(workerEnv(template).FLOW_REGION, 'eu-west-1');
    const [, machine] = resourceOf(template, 'AWS::StepFunctions::StateMachine', 'Backfill');
    const settings = JSON.parse(flat(machine.Properties.DefinitionString)).States.ConvertObjects.ItemBatcher.BatchInput
      .settings;
    assert.deepEqual(settings, { formats: ['ocsf'], layout: 'ocsf', flowRegion: 'eu-west-1' });
  });

  it('refuses bad values at synthesis with a message naming the key', () => {
    const refused = (securityLake: unknown, message: RegExp, context: Json = {}) =>
      assert.throws(() => build({ securityLake, ...context }), message);
    refused(
      'sourceName=a-name-of-twenty-one-c',
      /context securityLake sourceName "a-name-of-twenty-one-c": at most 20/,
    );
    refused('sourceName=vpc flow', /securityLake sourceName "vpc flow"/);
    refused('sourceName=vpcflow,sourceVersion=1 0', /securityLake sourceVersion "1 0"/);
    refused(`sourceName=vpcflow,location=${LOCATION}`, /needs sourceName .* or location .*, one of them/);
    refused('flowRegion=us-east-1', /needs sourceName .* or location/);
    refused('location=s3://bucket', /securityLake location "s3:\/\/bucket": a custom source location/);
    refused(`location=${LOCATION},sourceVersion=2.0`, /securityLake sourceVersion is for a source the stack creates/);
    refused(
      `location=${LOCATION},crawlerRoleArn=arn:aws:iam::123456789012:role/c`,
      /securityLake crawlerRoleArn is for/,
    );
    refused(
      `location=${LOCATION},roleArn=arn:aws:iam::1:role/x`,
      /securityLake roleArn is not a setting: the worker writes/,
    );
    refused(`location=${LOCATION},bucket=x`, /securityLake bucket is not a setting \(settings: sourceName/);
    refused(`location=${LOCATION},kmsKeyArn=alias/lake`, /securityLake kmsKeyArn "alias\/lake"/);
    refused(`location=${LOCATION},flowRegion=EU`, /securityLake flowRegion "EU"/);
    refused('{"sourceName":', /securityLake: not valid JSON/);
    refused('sourceName', /securityLake: "sourceName" is not key=value/);
    refused(
      `location=${LOCATION}`,
      /securityLake writes OCSF in Security Lake's layout: leave formats and layout out \(got "parquet"\)/,
      {
        formats: 'parquet',
      },
    );
  });
});
