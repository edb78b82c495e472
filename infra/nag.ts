import { type App, CfnElement, aws_iam as iam, type Stack, aws_s3 as s3, Token, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';
import { isLakeLayout } from '../src/lake/options.js';
import { customSourceResources, type SecurityLakeDestination } from './security-lake.js';
import type { FlowlakeStack } from './stack.js';

/** Registers cdk-nag's AwsSolutions pack on the app (synthesis fails on any finding) and the acknowledgments. */
export function applyNagChecks(app: App, stack: FlowlakeStack): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  acknowledgeFindings(stack);
}

/** Unacknowledged AwsSolutions findings under a construct (tests and `npm run synth` count them). */
export function nagFindings(scope: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: false }).validateScope(scope).violations;
}

/**
 * Every finding the stack accepts, each on the construct it concerns and for the exact resource
 * (cdk-nag v3 acknowledges findings one by one: `Rule[finding]`, no wildcards).
 */
export function acknowledgeFindings(stack: FlowlakeStack): void {
  const src = (suffix: string) => `arn:<AWS::Partition>:s3:::${stack.sourceBucket.bucketName}/${suffix}`;
  const dst = (suffix: string) => `${bucketArn(stack, stack.destinationBucket)}/${suffix}`;
  const sp = stack.sourcePrefix;
  const dp = stack.destinationPrefix;
  const ack = (construct: IConstruct, rule: string, reason: string) =>
    Validations.of(construct).acknowledge({ id: rule, reason });
  const wildcard = (construct: IConstruct, resource: string, reason: string) =>
    ack(construct, `AwsSolutions-IAM5[Resource::${resource}]`, reason);

  const workerRole = stack.worker.role!;
  wildcard(
    workerRole,
    src(`${sp}*`),
    'Read-only (s3:GetObject) on the objects under the configured source prefix; their keys are not known in advance.',
  );
  if (stack.securityLake) {
    wildcard(
      workerRole,
      flattenCfnReference(stack.resolve(stack.securityLake.objectsArn)),
      "Under the Security Lake custom source's location only: the OCSF files of its region=/accountId=/eventDay= " +
        'partitions, named per batch, written whole; read (HEAD) and removed only by the recovery of a crashed checkpoint.',
    );
    wildcard(
      workerRole,
      dst(`${dp}_flowlake/rejects/*`),
      "Write-only: the rejects file of each source object, kept under the destination, out of the custom source's location.",
    );
  } else {
    wildcard(
      workerRole,
      dst(`${dp}*`),
      'Write-only (PutObject/AbortMultipartUpload) under the destination prefix: output keys derive from source keys.',
    );
  }
  wildcard(
    workerRole,
    dst(`${dp}_flowlake/done/*`),
    'Reads back only its own completion markers, to skip source objects that are already converted.',
  );
  if (isLakeLayout(stack.workerLayout)) {
    wildcard(
      workerRole,
      dst(`${dp}_flowlake/checkpoints/*`),
      'Its checkpoint records, named per invocation: written, read back and removed by each commit and its recovery.',
    );
    wildcard(
      workerRole,
      dst(`${dp}_flowlake/claims/*`),
      "Its claims on the source objects it converts, named after their keys: created exclusively, read when another invocation's is found, removed when done.",
    );
    if (!stack.securityLake) {
      wildcard(
        workerRole,
        dst(`${dp}${stack.workerLayout === 'hive' ? 'AWSLogs/*' : 'region=*'}`),
        "The lake's data files it writes: recovery asks whether a crashed checkpoint's files are visible (HEAD) and removes those of one it rolls back.",
      );
    }
  }

  if (stack.securityLake) acknowledgeCustomSource(stack, stack.securityLake);

  const summaryRole = stack.summary.role!;
  wildcard(
    summaryRole,
    dst(`${dp}_flowlake/map-results/*`),
    'Reads the Distributed Map result files of the run; Step Functions names them per map run.',
  );
  wildcard(summaryRole, dst(`${dp}_flowlake/runs/*`), 'Writes one run report per execution, named after it.');

  if (stack.compactor) {
    const compactRole = stack.compactor.role!;
    const lake = (suffix: string, reason: string) => wildcard(compactRole, dst(`${dp}${suffix}`), reason);
    lake(
      'AWSLogs/*',
      "The lake's recent hourly files: read to merge them; deleted once retired and past their grace (or rolled back).",
    );
    lake(
      'compacted/*',
      "The compacted days: written under their generation's name, read when a day is compacted again, deleted when retired.",
    );
    lake(
      'lake-state/*',
      'One state object per compacted day (its live generation, its retired files), read and rewritten.',
    );
    lake('_flowlake/locks/*', "The lake's day locks: created exclusively, refreshed while held, removed on release.");
    lake(
      '_flowlake/checkpoints/*',
      'Checkpoint records of crashed conversions: read, then removed once recovered (rolled forward or back).',
    );
    lake('_flowlake/done/*', 'Completion markers a recovered checkpoint rolls forward (written, never read here).');
  }

  const machine = stack.stateMachine.role;
  const mapPolicy = stack.stateMachine.node.tryFindChild('DistributedMapPolicy') ?? stack.stateMachine;
  wildcard(
    machine,
    dst(`${dp}_flowlake/map-results/*`),
    'The Distributed Map ResultWriter writes its manifest and result files under this prefix only.',
  );
  wildcard(
    machine,
    `${lambdaArn(stack, stack.worker)}:*`,
    'Invoking the worker function (and its versions), as granted by the LambdaInvoke task.',
  );
  wildcard(
    machine,
    `${lambdaArn(stack, stack.summary)}:*`,
    'Invoking the summary function (and its versions), as granted by the LambdaInvoke task.',
  );
  if (stack.compactor) {
    wildcard(
      machine,
      dst(`${dp}_flowlake/runs/*`),
      "The compaction map's ItemReader reads the run's list of days, written by the summary step beside the run report.",
    );
    wildcard(
      machine,
      `${lambdaArn(stack, stack.compactor)}:*`,
      'Invoking the compaction function (and its versions), as granted by the LambdaInvoke task.',
    );
  }
  wildcard(
    machine,
    '*',
    'CloudWatch Logs delivery (logs:*LogDelivery, *ResourcePolicy, DescribeLogGroups) and X-Ray trace upload do not ' +
      'support resource-level permissions; see the Step Functions logging and X-Ray IAM documentation.',
  );
  // Region and account print as pseudo parameters in an environment-agnostic stack, literally otherwise.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const executions = `arn:<AWS::Partition>:states:${region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalId(stack, stack.stateMachine.node.defaultChild)}"}]}]}`;
  wildcard(
    mapPolicy,
    `${executions}:*`,
    "Describe/stop the Distributed Map's child executions of this state machine; their names are made at run time.",
  );
  wildcard(
    mapPolicy,
    `${executions}/flowlake:*`,
    "Redrive the Distributed Map's child executions (map label 'flowlake') of this state machine.",
  );
  if (stack.compactor) {
    wildcard(
      mapPolicy,
      `${executions}/compact:*`,
      "Redrive the compaction map's child executions (map label 'compact') of this state machine.",
    );
  }

  if (!stack.accessLogsBucket) {
    ack(
      stack.athena.resultsBucket,
      'AwsSolutions-S1',
      'With an imported destination the stack has no access-log bucket of its own. The results bucket holds only ' +
        "Athena's query results for this workgroup (expiring after 30 days); Athena's query history and CloudTrail " +
        'record who ran which query and where its results went.',
    );
  }

  const notifications = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (notifications) {
    ack(
      notifications,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "aws-cdk-lib's own BucketNotificationsHandler custom resource (runs at deploy time only, to set the source " +
        'bucket notification); its role with the basic execution policy for its logs is created by CDK.',
    );
  }
}

/** The roles of creating a custom source: its Glue crawler's and the deploy-time call's. */
function acknowledgeCustomSource(stack: FlowlakeStack, lake: SecurityLakeDestination): void {
  const name = lake.sourceName;
  if (!name || !lake.createSourceRole) return;
  const r = customSourceResources(name);
  const flat = (value: string) => flattenCfnReference(stack.resolve(value));
  const wildcard = (construct: IConstruct, resource: string, reason: string) =>
    Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat(resource)}]`, reason });
  const objectsReason = (who: string) =>
    `${who} the custom source's objects, under ext/${name}/ of the lake bucket, whose name ends in an id Security Lake ` +
    'made (aws-security-data-lake-<region>-<id>), not known before the source exists.';

  if (lake.crawlerRole instanceof iam.Role) {
    Validations.of(lake.crawlerRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]',
      reason:
        "Security Lake's guide asks for AWSGlueServiceRole on a custom source's crawler role: the Data Catalog " +
        'actions a Glue crawler needs.',
    });
    wildcard(lake.crawlerRole, r.sourceObjects, objectsReason('The crawler reads'));
  }
  const caller = lake.createSourceRole;
  wildcard(caller, r.sourceObjects, objectsReason('Adding the source writes its prefix among'));
  wildcard(caller, r.lakeBuckets, "Adding the source lists the lake bucket (its id is Security Lake's).");
  wildcard(
    caller,
    r.glueDatabases,
    "Adding the source creates its table in Security Lake's Glue database, amazon_security_lake_glue_db_<region>.",
  );
  wildcard(caller, r.glueTables, "The source's Glue table, in Security Lake's database, named by Security Lake.");
  wildcard(caller, r.glueCrawlers, "The source's Glue crawler, named by Security Lake when it creates the source.");
  wildcard(
    caller,
    r.providerRole,
    `The provider role Security Lake makes for the source, AmazonSecurityLake-Provider-${name}-<region> (created only ` +
      'with its permissions boundary AmazonSecurityLakePermissionsBoundary).',
  );
  wildcard(
    caller,
    '*',
    'lakeformation:RegisterResource and GrantPermissions (registering the lake location, granting the crawler and ' +
      'table) have no resource-level permissions.',
  );
}

function logicalId(stack: Stack, resource: IConstruct | undefined): string {
  if (!(resource instanceof CfnElement)) throw new Error(`${resource?.node.path} is not a CloudFormation element`);
  return stack.resolve(resource.logicalId);
}

/** How cdk-nag prints a bucket ARN: `<LogicalId.Arn>` for one this stack creates, the literal ARN otherwise. */
function bucketArn(stack: Stack, bucket: s3.IBucket): string {
  const cfn = bucket.node.defaultChild;
  if (cfn instanceof s3.CfnBucket) return `<${logicalId(stack, cfn)}.Arn>`;
  return `arn:<AWS::Partition>:s3:::${bucket.bucketName}`;
}

function lambdaArn(stack: Stack, fn: IConstruct): string {
  return `<${logicalId(stack, fn.node.defaultChild)}.Arn>`;
}
