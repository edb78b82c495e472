export interface S3Location {
  readonly bucket: string;
  /** '' for the whole bucket, otherwise ends with '/': `s3://b/logs` and `s3://b/logs/` both mean the folder logs/. */
  readonly prefix: string;
}

export function isS3Url(url: string): boolean {
  return /^s3:\/\//i.test(url);
}

/** Parses `s3://bucket[/prefix]`; the prefix is a folder (see S3Location.prefix). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url);
  if (!match) throw new Error(`${url}: not an S3 URL (expected s3://bucket/prefix)`);
  return { bucket: match[1], prefix: normalizePrefix(match[2] ?? '') };
}

/** Strips leading slashes and makes a non-empty prefix end with exactly one '/'. */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
