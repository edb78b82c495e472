import { resolveFormat } from '../formats/format.js';
import type { ConvertOptions } from '../lake/options.js';
import { missingOcsfFields } from './map.js';

/** A combination of options `--to ocsf` cannot work with: a usage error, raised before anything is read. */
export class OcsfOptionsError extends Error {
  override readonly name = 'OcsfOptionsError';
}

/** Security Lake's pattern for a custom source's version. */
export const SOURCE_VERSION = /^[A-Za-z0-9._-]{1,32}$/;
export const REGION = /^[a-z0-9-]{1,32}$/;

/**
 * Checks the options of an OCSF run: OCSF alone and in its own layout, formats that hold what Security Lake's
 * partitions need (`account-id` and `start`; a region, or --flow-region), a valid source version.
 */
export function checkOcsfOptions(options: ConvertOptions): void {
  const ocsf = options.to.includes('ocsf');
  if (!ocsf) {
    if (options.layout === 'ocsf') throw new OcsfOptionsError('--layout ocsf is the layout of --to ocsf only');
    return;
  }
  if (options.to.length > 1) {
    throw new OcsfOptionsError(
      `--to ocsf writes OCSF alone (it has a layout of its own): convert to ${options.to.filter((k) => k !== 'ocsf').join(',')} in another run`,
    );
  }
  if (options.layout !== 'ocsf') {
    throw new OcsfOptionsError(
      `--to ocsf writes Security Lake's layout (region=/accountId=/eventDay=), not --layout ${options.layout}: leave --layout out`,
    );
  }
  if (options.sourceVersion !== undefined && !SOURCE_VERSION.test(options.sourceVersion)) {
    throw new OcsfOptionsError(
      `--source-version "${options.sourceVersion}": at most 32 letters, digits, ".", "_" or "-" (Security Lake's rule)`,
    );
  }
  if (options.flowRegion !== undefined && !REGION.test(options.flowRegion)) {
    throw new OcsfOptionsError(`--flow-region "${options.flowRegion}" is not a region name`);
  }
  const formats: [string, string | undefined][] = [
    [options.fields === undefined ? 'the default format (v2)' : 'the --fields format', options.fields],
    ...Object.entries(options.logGroupFormats ?? {}).map(([group, spec]): [string, string] => [
      `the format of log group ${group}`,
      spec,
    ]),
  ];
  for (const [name, spec] of formats) {
    const format = resolveFormat(spec);
    const missing = missingOcsfFields(format);
    if (missing.length > 0) {
      throw new OcsfOptionsError(
        `${name} has no ${missing.join(' and no ')}: Security Lake partitions OCSF by account and day, so --to ocsf needs both fields`,
      );
    }
    if (options.flowRegion === undefined && !format.fields.some((f) => f.name === 'region')) {
      throw new OcsfOptionsError(`${name} has no region field: name the flow logs' region with --flow-region`);
    }
  }
}
