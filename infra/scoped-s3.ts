import { aws_iam as iam, type aws_s3 as s3, aws_stepfunctions as sfn } from 'aws-cdk-lib';

/** `''` or a prefix ending with one `/`, so that `prefix*` in a policy never reaches a sibling folder. */
export function folderPrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '');
  if (p === '') return '';
  return p.endsWith('/') ? p : `${p}/`;
}

/** s3:ListBucket on one bucket, limited to keys under `prefix` (no limit for the whole bucket). */
export function listUnderPrefix(bucket: s3.IBucket, prefix: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
  });
}

/**
 * The S3 listObjectsV2 ItemReader, with its listing permission limited to the stack's source prefix.
 * (CDK's own grants s3:ListBucket on the whole bucket.) The listed prefix itself comes from the execution input.
 */
export class PrefixScopedObjectsReader extends sfn.S3ObjectsItemReader {
  private readonly allowedPrefix: string;

  constructor(props: sfn.S3ObjectsItemReaderProps & { readonly allowedPrefix: string }) {
    const { allowedPrefix, ...readerProps } = props;
    super(readerProps);
    this.allowedPrefix = allowedPrefix;
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [listUnderPrefix(this.bucket, this.allowedPrefix)];
  }
}

/** The ResultWriter, with its object permissions limited to its own prefix (CDK's cover the whole bucket). */
export class PrefixScopedResultWriter extends sfn.ResultWriterV2 {
  private readonly writeBucket: s3.IBucket;
  private readonly writePrefix: string;

  constructor(props: { readonly bucket: s3.IBucket; readonly prefix: string }) {
    super(props);
    this.writeBucket = props.bucket;
    this.writePrefix = props.prefix;
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.writeBucket.arnForObjects(`${this.writePrefix}/*`)],
      }),
    ];
  }
}

/**
 * The S3 JSON ItemReader (a list of items in one object), with its read permission limited to one prefix (CDK's
 * covers the whole bucket). The object's key may come from the state's input (`JsonPath.stringAt`).
 */
export class PrefixScopedJsonReader extends sfn.S3JsonItemReader {
  private readonly readBucket: s3.IBucket;
  private readonly allowedPrefix: string;

  constructor(props: sfn.S3FileItemReaderProps & { readonly bucket: s3.IBucket; readonly allowedPrefix: string }) {
    const { allowedPrefix, ...readerProps } = props;
    super(readerProps);
    this.readBucket = props.bucket;
    this.allowedPrefix = allowedPrefix;
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.readBucket.arnForObjects(`${this.allowedPrefix}*`)],
      }),
    ];
  }
}
