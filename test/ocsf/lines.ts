import type { FlowFormat } from '../../src/formats/format.js';
import { mapFlowLine, type OcsfMapOptions, type OcsfRecord, planOcsf, toOcsfJson } from '../../src/ocsf/map.js';
import { validateNetworkActivity } from '../support/ocsf-validator.js';

/** A plausible value for every field, so that a test names only the fields it is about. */
const DEFAULTS: Readonly<Record<string, string>> = {
  version: '5',
  'account-id': '123456789012',
  'interface-id': 'eni-0a1b2c3d4e5f60001',
  srcaddr: '10.0.1.5',
  dstaddr: '10.0.2.9',
  srcport: '49152',
  dstport: '443',
  protocol: '6',
  packets: '10',
  bytes: '8400',
  start: '1580515200',
  end: '1580515260',
  action: 'ACCEPT',
  'log-status': 'OK',
  'vpc-id': 'vpc-0a1b2c3d',
  'subnet-id': 'subnet-0a1b2c3d',
  'instance-id': 'i-0a1b2c3d4e5f60001',
  'tcp-flags': '19',
  type: 'IPv4',
  'pkt-srcaddr': '10.0.1.5',
  'pkt-dstaddr': '10.0.2.9',
  region: 'eu-west-1',
  'az-id': 'euw1-az1',
  'sublocation-type': '-',
  'sublocation-id': '-',
  'pkt-src-aws-service': '-',
  'pkt-dst-aws-service': 'S3',
  'flow-direction': 'egress',
  'traffic-path': '1',
  'encryption-status': '1',
};

/** A line of `format` with `values` over the defaults (`-` for fields without a default). */
export function lineOf(format: FlowFormat, values: Readonly<Record<string, string>> = {}): string {
  return format.fields.map((f) => values[f.name] ?? DEFAULTS[f.name] ?? '-').join(' ');
}

/** Maps a line that must map into a valid OCSF event (fails the test with the reason or the errors otherwise). */
export function mapped(
  format: FlowFormat,
  values: Readonly<Record<string, string>> = {},
  options: OcsfMapOptions = {},
) {
  const result = mapFlowLine(planOcsf(format, options), lineOf(format, values));
  if (result.reason !== undefined) throw new Error(`not mapped: ${result.reason}`);
  const errors = validateNetworkActivity(toOcsfJson(result.record), { allowDashInTypedStrings: true });
  if (errors.length > 0) throw new Error(`not a valid OCSF event: ${errors.join('; ')}`);
  return result.record as OcsfRecord;
}
