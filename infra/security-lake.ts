import {
  Aws,
  CfnOutput,
  custom_resources as cr,
  Duration,
  Fn,
  aws_iam as iam,
  type aws_logs as logs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { REGION, SOURCE_VERSION } from '../src/ocsf/options.js';
import { parseS3Url } from '../src/storage/index.js';
import { functionLogging } from './function-role.js';
import { folderPrefix } from './scoped-s3.js';

/**
 * Amazon Security Lake as the destination of the OCSF files (`-c securityLake=…`). Either the stack creates the
 * custom source (`sourceName`), or it writes into an existing one (`location`). The bookkeeping (`_flowlake/`)
 * stays in the stack's own destination: the source's location holds nothing but OCSF Parquet files.
 */
export interface SecurityLakeProps {
  /** Create a custom source of this name: at most 20 characters (it goes into the provider role's name). */
  readonly sourceName?: string;
  /** Its version (a folder under `ext/<name>/`). */
  readonly sourceVersion?: string;
  /** The external id of the provider identity (this account); default `flowlake-<sourceName>`. */
  readonly externalId?: string;
  /** A role for the source's Glue crawler; without it the stack creates one. */
  readonly crawlerRoleArn?: string;
  /** An existing custom source's location, as Security Lake gives it: `s3://aws-security-data-lake-…/ext/<name>/`. */
  readonly location?: string;
  /** The data lake's customer managed KMS key, when it encrypts with one. */
  readonly kmsKeyArn?: string;
  /** Region of flow logs whose format has no `region` field; default the worker's own region. */
  readonly flowRegion?: string;
}

const SETTINGS = [
  'sourceName',
  'sourceVersion',
  'externalId',
  'crawlerRoleArn',
  'location',
  'kmsKeyArn',
  'flowRegion',
] as const satisfies readonly (keyof SecurityLakeProps)[];
/** Only when the stack creates the source. */
const CREATE_ONLY = ['sourceVersion', 'externalId', 'crawlerRoleArn'] as const;

const SOURCE_NAME = /^[A-Za-z0-9_.-]{1,20}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** The settings' rule for each value, as the message that refuses it. */
const RULES: Record<(typeof SETTINGS)[number], [RegExp, string]> = {
  sourceName: [
    SOURCE_NAME,
    'at most 20 letters, digits, "_", "." or "-" (it goes into the role name AmazonSecurityLake-Provider-<name>-<region>)',
  ],
  sourceVersion: [SOURCE_VERSION, 'at most 32 letters, digits, ".", "_" or "-" (Security Lake\'s rule)'],
  externalId: [EXTERNAL_ID, '2 to 1224 letters, digits or any of _+=,.@:/-'],
  crawlerRoleArn: [ROLE_ARN, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)'],
  location: [
    /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/ext\/[^/]+/,
    'a custom source location, s3://<lake bucket>/ext/<source>/',
  ],
  kmsKeyArn: [KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'],
  flowRegion: [REGION, 'a region name such as us-east-1'],
};

/** A securityLake setting that cannot work: the message names the key. */
export class SecurityLakeSettingsError extends Error {
  override readonly name = 'SecurityLakeSettingsError';
}

/**
 * `-c securityLake=…` as props: a JSON object (`{"sourceName":"vpcflow"}`, or an object in cdk.json) or
 * `key=value` pairs separated by commas (`sourceName=vpcflow,sourceVersion=2.0`). Refuses unknown keys.
 */
export function securityLakeFromContext(value: unknown): SecurityLakeProps | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const entries = typeof value === 'string' ? entriesOfText(value) : entriesOfObject(value);
  const props: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (!(SETTINGS as readonly string[]).includes(key)) throw unknownSetting(key);
    props[key] = String(v).trim();
  }
  checkSecurityLake(props);
  return props;
}

function entriesOfText(text: string): [string, unknown][] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return entriesOfObject(JSON.parse(trimmed));
    } catch (err) {
      if (err instanceof SecurityLakeSettingsError) throw err;
      throw new SecurityLakeSettingsError(`securityLake: not valid JSON (${(err as Error).message})`);
    }
  }
  return trimmed.split(',').map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SecurityLakeSettingsError(`securityLake: "${pair}" is not key=value`);
    return [pair.slice(0, eq).trim(), pair.slice(eq + 1)];
  });
}

function entriesOfObject(value: unknown): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SecurityLakeSettingsError('securityLake: expected an object of settings or key=value pairs');
  }
  return Object.entries(value);
}

function unknownSetting(key: string): SecurityLakeSettingsError {
  const hint =
    key === 'roleArn'
      ? ': the worker writes with its own role, allowed s3:PutObject under the location only (the provider role is not used)'
      : ` (settings: ${SETTINGS.join(', ')})`;
  return new SecurityLakeSettingsError(`securityLake ${key} is not a setting${hint}`);
}

/** Either mode, each value by its rule; throws SecurityLakeSettingsError naming the key. */
export function checkSecurityLake(props: SecurityLakeProps): void {
  if (Boolean(props.sourceName) === Boolean(props.location)) {
    throw new SecurityLakeSettingsError(
      "securityLake needs sourceName (the stack creates the custom source) or location (an existing source's), one of them",
    );
  }
  for (const key of SETTINGS) {
    const value = props[key];
    if (value === undefined) continue;
    const [pattern, rule] = RULES[key];
    if (!pattern.test(value)) throw new SecurityLakeSettingsError(`securityLake ${key} "${value}": ${rule}`);
  }
  if (props.location) {
    const extra = CREATE_ONLY.find((key) => props[key] !== undefined);
    if (extra) {
      throw new SecurityLakeSettingsError(
        `securityLake ${extra} is for a source the stack creates (sourceName), not with location${extra === 'sourceVersion' ? ": a versioned source's location ends with its version folder already" : ''}`,
      );
    }
  }
}

/**
 * Where the worker writes OCSF: an existing custom source's location, or one the stack creates. Creating goes
 * through the Security Lake API at deployment (CloudFormation has no custom log source resource), once: the
 * source, its Glue crawler and table and its data stay when the stack is deleted.
 */
export class SecurityLakeDestination extends Construct {
  /** `s3://bucket/ext/<source>/…/` (a token when the stack creates the source). */
  readonly outputUrl: string;
  /** Every object under it: the worker may write these and nothing else of the lake. */
  readonly objectsArn: string;
  /**
   * s3:ListBucket on the lake's bucket, under the location only: without it S3 answers a HEAD of a file that
   * is not there with 403, not 404 (checkpoint recovery asks whether a checkpoint's files are visible).
   */
  readonly listStatement: iam.PolicyStatement;
  readonly kmsKeyArn?: string;
  /** The custom source the stack creates (sourceName), the call that creates it and the role that calls. */
  readonly sourceName?: string;
  readonly customSource?: cr.AwsCustomResource;
  readonly createSourceRole?: iam.Role;
  readonly crawlerRole?: iam.IRole;

  constructor(scope: Construct, id: string, props: SecurityLakeProps & { readonly retention: logs.RetentionDays }) {
    super(scope, id);
    checkSecurityLake(props);
    this.kmsKeyArn = props.kmsKeyArn;
    if (props.location) {
      const { bucket, prefix } = parseS3Url(props.location)!;
      const folder = folderPrefix(prefix);
      this.outputUrl = `s3://${bucket}/${folder}`;
      this.objectsArn = `arn:${Aws.PARTITION}:s3:::${bucket}/${folder}*`;
      this.listStatement = listLocation(`arn:${Aws.PARTITION}:s3:::${bucket}`, `${folder}*`);
      new CfnOutput(scope, 'SecurityLakeLocation', { value: this.outputUrl, description: 'where the OCSF files go' });
      return;
    }
    const sourceName = props.sourceName!;
    this.sourceName = sourceName;
    this.crawlerRole = props.crawlerRoleArn
      ? iam.Role.fromRoleArn(this, 'CrawlerRole', props.crawlerRoleArn, { mutable: false })
      : this.createCrawlerRole(sourceName, props.kmsKeyArn);
    const created = this.createCustomSource(sourceName, props, this.crawlerRole, props.retention);
    this.customSource = created.source;
    this.createSourceRole = created.role;
    const location = this.customSource.getResponseField('source.provider.location');
    // The location without its scheme and trailing slash, however Security Lake writes it: `bucket/ext/<name>…`.
    const path = Fn.select(0, Fn.split('//', Fn.join('', [Fn.select(1, Fn.split('s3://', location)), '//'])));
    this.outputUrl = Fn.join('', ['s3://', path, '/']);
    this.objectsArn = Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', path, '/*']);
    // Security Lake puts a custom source's location at `ext/<source name>/…` of its bucket.
    const bucket = Fn.select(0, Fn.split('/', path));
    this.listStatement = listLocation(Fn.join('', ['arn:', Aws.PARTITION, ':s3:::', bucket]), `ext/${sourceName}/*`);
    new CfnOutput(scope, 'SecurityLakeLocation', { value: location, description: 'where the OCSF files go' });
    new CfnOutput(scope, 'SecurityLakeProviderRoleArn', {
      value: this.customSource.getResponseField('source.provider.roleArn'),
      description: 'the provider role Security Lake made for the source (flowlake writes with its worker role)',
    });
  }

  /** The Glue crawler's role, as Security Lake asks: AWSGlueServiceRole and the source's objects. */
  private createCrawlerRole(sourceName: string, kmsKeyArn: string | undefined): iam.Role {
    const role = new iam.Role(this, 'CrawlerRole', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Glue crawler of the Security Lake custom source ${sourceName}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [customSourceResources(sourceName).sourceObjects],
      }),
    );
    if (kmsKeyArn) role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [kmsKeyArn] }));
    return role;
  }

  /**
   * CreateCustomLogSource (event class NETWORK_ACTIVITY, the provider identity this account), called by a
   * deploy-time function with what Security Lake's guide asks of the identity that adds a source: Glue for
   * the crawler, database and table, IAM for the provider role (within Security Lake's permissions boundary)
   * and for passing the crawler role, Lake Formation, and the source's prefix in the lake bucket.
   */
  private createCustomSource(
    sourceName: string,
    props: SecurityLakeProps,
    crawlerRole: iam.IRole,
    retention: logs.RetentionDays,
  ): { source: cr.AwsCustomResource; role: iam.Role } {
    const { logGroup, role } = functionLogging(this, 'CreateSource', retention);
    for (const statement of createSourceStatements(sourceName, crawlerRole)) role.addToPolicy(statement);
    const call: cr.AwsSdkCall = {
      service: 'SecurityLake',
      action: 'CreateCustomLogSource',
      parameters: {
        sourceName,
        ...(props.sourceVersion ? { sourceVersion: props.sourceVersion } : {}),
        eventClasses: ['NETWORK_ACTIVITY'],
        configuration: {
          crawlerConfiguration: { roleArn: crawlerRole.roleArn },
          providerIdentity: { principal: Aws.ACCOUNT_ID, externalId: props.externalId ?? `flowlake-${sourceName}` },
        },
      },
      physicalResourceId: cr.PhysicalResourceId.of(
        props.sourceVersion ? `${sourceName}/${props.sourceVersion}` : sourceName,
      ),
      outputPaths: ['source.provider.location', 'source.provider.roleArn'],
    };
    const source = new cr.AwsCustomResource(this, 'CustomLogSource', {
      resourceType: 'Custom::SecurityLakeCustomLogSource',
      // A changed setting creates the source again (a new name makes a new source; the old one stays).
      onCreate: call,
      onUpdate: call,
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(5),
    });
    source.node.addDependency(crawlerRole);
    return { source, role };
  }
}

/**
 * What adding a custom source touches, by ARN: the lake bucket is `aws-security-data-lake-<region>-<id>` with an
 * id Security Lake made, Glue names its database `amazon_security_lake_glue_db_<region>`, and the provider role
 * is `AmazonSecurityLake-Provider-<name>-<region>`.
 */
export function customSourceResources(sourceName: string) {
  const arn = (service: string, resource: string) =>
    `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const glueDatabase = 'amazon_security_lake_glue_db_*';
  return {
    dataLake: arn('securitylake', 'data-lake/default'),
    glueCatalog: arn('glue', 'catalog'),
    glueDatabases: arn('glue', `database/${glueDatabase}`),
    glueTables: arn('glue', `table/${glueDatabase}/*`),
    glueCrawlers: arn('glue', 'crawler/*'),
    providerRole: `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/*AmazonSecurityLake-Provider-${sourceName}-*`,
    lakeBuckets: `arn:${Aws.PARTITION}:s3:::aws-security-data-lake-${Aws.REGION}-*`,
    sourceObjects: `arn:${Aws.PARTITION}:s3:::aws-security-data-lake-${Aws.REGION}-*/ext/${sourceName}/*`,
  };
}

/** The permissions boundary Security Lake gives the provider roles it makes. */
const PROVIDER_BOUNDARY = `arn:${Aws.PARTITION}:iam::aws:policy/AmazonSecurityLakePermissionsBoundary`;

function createSourceStatements(sourceName: string, crawlerRole: iam.IRole): iam.PolicyStatement[] {
  const r = customSourceResources(sourceName);
  return [
    new iam.PolicyStatement({ actions: ['securitylake:CreateCustomLogSource'], resources: [r.dataLake] }),
    new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [crawlerRole.roleArn] }),
    new iam.PolicyStatement({
      actions: ['glue:CreateCrawler', 'glue:CreateDatabase', 'glue:CreateTable', 'glue:StartCrawlerSchedule'],
      resources: [r.glueCatalog, r.glueDatabases, r.glueTables, r.glueCrawlers],
    }),
    new iam.PolicyStatement({
      actions: ['iam:CreateRole', 'iam:PutRolePolicy'],
      resources: [r.providerRole],
      conditions: { StringEquals: { 'iam:PermissionsBoundary': PROVIDER_BOUNDARY } },
    }),
    new iam.PolicyStatement({ actions: ['iam:GetRole', 'iam:DeleteRolePolicy'], resources: [r.providerRole] }),
    // Lake Formation's actions have no resource-level permissions.
    new iam.PolicyStatement({
      actions: ['lakeformation:RegisterResource', 'lakeformation:GrantPermissions'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [r.lakeBuckets] }),
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [r.sourceObjects] }),
  ];
}

function listLocation(bucketArn: string, prefixPattern: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucketArn],
    conditions: { StringLike: { 's3:prefix': [prefixPattern] } },
  });
}
