/** `a/b/c.gz` → `a/b/c`: one trailing `.gz` is removed from the source key before the output extension is added. */
export function stripGz(key: string): string {
  return key.endsWith('.gz') ? key.slice(0, -3) : key;
}

/**
 * Mirror layout (the default): `DST/<input path relative to SRC, one trailing .gz removed><ext>`.
 * Rows of a log group with its own format go to a sibling file named after the group (`…​.<group>.csv.gz`).
 */
export function mirrorKey(sourceKey: string, ext: string, formatKey: string): string {
  const base = stripGz(sourceKey);
  return formatKey === '' ? `${base}${ext}` : `${base}.${formatKey}${ext}`;
}
