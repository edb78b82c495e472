/**
 * Event shapes the worker accepts, reduced to "which object of which bucket".
 * Pure functions: no AWS calls, so every shape is testable from plain JSON.
 */

/** One source object named by an event. Size and ETag are known for S3 notifications and map items only. */
export interface ObjectRef {
  readonly bucket: string;
  /** Full S3 key, already URL-decoded. */
  readonly key: string;
  readonly size?: number;
  readonly etag?: string;
}

/** S3 event notification keys are form-encoded: `+` is a space, `%XX` a byte of UTF-8. */
export function decodeS3EventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}

/**
 * ETags as S3 listings give them, quoted: the storage layer lists them so, sends them as If-Match and records
 * them in completion markers. S3 event notifications carry them bare.
 */
export function quotedEtag(etag: string | undefined): string | undefined {
  if (etag === undefined || etag === '') return undefined;
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

export class EventShapeError extends Error {
  override name = 'EventShapeError';
}

/**
 * Parses one SQS message body: an S3 event notification (any number of records), the `s3:TestEvent`
 * S3 sends when notifications are configured (→ no objects), or `{bucket, key}` written by hand or by a script.
 * Only ObjectCreated records name objects to convert; other event names are ignored.
 */
export function objectsFromSqsBody(body: string): ObjectRef[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new EventShapeError(`message body is not JSON: ${body.slice(0, 200)}`);
  }
  if (!isRecord(parsed)) throw new EventShapeError('message body is not a JSON object');
  if (parsed.Event === 's3:TestEvent') return [];
  if (Array.isArray(parsed.Records)) return parsed.Records.flatMap(objectFromNotificationRecord);
  if (typeof parsed.bucket === 'string' && typeof parsed.key === 'string' && parsed.key !== '') {
    return [{ bucket: parsed.bucket, key: parsed.key }];
  }
  throw new EventShapeError('message body is neither an S3 event notification nor {"bucket","key"}');
}

function objectFromNotificationRecord(record: unknown): ObjectRef[] {
  if (!isRecord(record)) throw new EventShapeError('S3 notification record is not an object');
  const eventName = typeof record.eventName === 'string' ? record.eventName : '';
  if (!eventName.startsWith('ObjectCreated:')) return [];
  const s3 = isRecord(record.s3) ? record.s3 : undefined;
  const bucket = s3 && isRecord(s3.bucket) ? s3.bucket.name : undefined;
  const object = s3 && isRecord(s3.object) ? s3.object : undefined;
  if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
    throw new EventShapeError(`S3 notification record ${eventName} lacks s3.bucket.name or s3.object.key`);
  }
  return [
    {
      bucket,
      key: decodeS3EventKey(object.key),
      size: typeof object.size === 'number' ? object.size : undefined,
      etag: quotedEtag(typeof object.eTag === 'string' ? object.eTag : undefined),
    },
  ];
}

/** One item as the Distributed Map's S3 ItemReader (listObjectsV2) produces it. */
export interface MapItem {
  readonly Key: string;
  readonly Size?: number;
  readonly Etag?: string;
  readonly LastModified?: number | string;
  readonly StorageClass?: string;
}

/** A child workflow's input when the Distributed Map batches items (ItemBatcher). */
export interface MapBatchEvent {
  readonly Items: readonly MapItem[];
  readonly BatchInput?: Readonly<Record<string, unknown>>;
}

export function isMapBatchEvent(event: unknown): event is MapBatchEvent {
  return isRecord(event) && Array.isArray(event.Items);
}

export function isSqsEvent(event: unknown): event is { Records: Array<{ eventSource?: string; body?: string }> } {
  if (!isRecord(event) || !Array.isArray(event.Records)) return false;
  const first = event.Records[0];
  return event.Records.length === 0 || (isRecord(first) && first.eventSource === 'aws:sqs');
}

export function objectFromMapItem(item: MapItem, bucket: string): ObjectRef {
  if (!isRecord(item) || typeof item.Key !== 'string') throw new EventShapeError('map item has no Key');
  return { bucket, key: item.Key, size: item.Size, etag: quotedEtag(item.Etag) };
}

/** Like the CLI's listing: folder placeholders and flowlake's own `_flowlake/` files are not sources. */
export function isSourceKey(key: string): boolean {
  return !key.endsWith('/') && !key.split('/').slice(0, -1).includes('_flowlake');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
