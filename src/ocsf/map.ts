import type { FieldType } from '../formats/fields.js';
import type { FlowFormat } from '../formats/format.js';
import { typeToken } from '../formats/values.js';

/**
 * One VPC flow-log record as an OCSF 1.1.0 Network Activity event (class 4001), mapped field by field the way
 * Amazon Security Lake's native VPC flow source (source version 2) maps it. The table, with the rules for `-`,
 * is docs/ocsf.md; the column layout is schema.ts.
 *
 * Timestamps are epoch milliseconds here (`time` and the `*_dt` columns alike, as Parquet stores them);
 * `toOcsfJson` gives the JSON form, where `*_dt` are RFC 3339 strings.
 */
export interface OcsfEndpoint {
  port: number | null;
  svc_name: string | null;
  ip: string | null;
  intermediate_ips: string[] | null;
  interface_uid: string | null;
  vpc_uid: string | null;
  instance_uid: string | null;
  subnet_uid: string | null;
}

export interface OcsfRecord {
  metadata: {
    product: { version: string; name: string; feature: { name: string }; vendor_name: string };
    profiles: string[];
    version: string;
  };
  cloud: { account: { uid: string | null } | null; region: string | null; zone: string | null; provider: string };
  src_endpoint: OcsfEndpoint;
  dst_endpoint: OcsfEndpoint;
  connection_info: {
    protocol_num: number | null;
    tcp_flags: number | null;
    protocol_ver: string | null;
    boundary_id: number | null;
    boundary: string | null;
    direction_id: number;
    direction: string | null;
  };
  traffic: { packets: number | null; bytes: number | null } | null;
  time: number;
  time_dt: number;
  start_time_dt: number;
  end_time_dt: number | null;
  status_code: string | null;
  severity_id: number;
  severity: string;
  class_name: string;
  class_uid: number;
  category_name: string;
  category_uid: number;
  activity_name: string;
  activity_id: number;
  action: string | null;
  action_id: number;
  disposition: string | null;
  type_uid: number;
  type_name: string;
  unmapped: Record<string, string> | null;
  observables: null;
}

export const OCSF_VERSION = '1.1.0';
export const OCSF_PROFILES: readonly string[] = ['cloud', 'security_control', 'datetime'];
const CLASS_UID = 4001;
const CLASS_NAME = 'Network Activity';

/** `action` → activity, action and disposition, as the native source writes them. */
const ACTIONS: Readonly<Record<string, ActionMapping>> = {
  ACCEPT: {
    activity: [6, 'Traffic'],
    action: [1, 'Allowed'],
    disposition: 'Allowed',
    typeName: `${CLASS_NAME}: Traffic`,
  },
  REJECT: { activity: [5, 'Refuse'], action: [2, 'Denied'], disposition: 'Blocked', typeName: `${CLASS_NAME}: Refuse` },
  '-': { activity: [0, 'Unknown'], action: [99, '-'], disposition: '-', typeName: `${CLASS_NAME}: Unknown` },
};

/** `traffic-path` 1–8 → boundary_id 4–11 and its OCSF caption. */
const BOUNDARIES: readonly string[] = [
  'Same VPC',
  'Internet/VPC Gateway',
  'Virtual Private Gateway',
  'Intra-region VPC',
  'Inter-region VPC',
  'Local Gateway',
  'Gateway VPC',
  'Internet Gateway',
];

/** The flow-log fields that have an OCSF attribute; every other field goes to `unmapped`. */
export const MAPPED_FIELDS: ReadonlySet<string> = new Set([
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
]);

/** Why a record cannot become an OCSF event (it is rejected, kept in the rejects file with this reason). */
export type OcsfRejectReason = string;

export interface OcsfMapOptions {
  /** The region of formats without `region` (and of records whose `region` is `-`). */
  readonly flowRegion?: string;
}

/** A format's field positions, looked up once per format. */
export interface OcsfPlan {
  readonly format: FlowFormat;
  readonly flowRegion: string | undefined;
  /** Field name → position in the line. */
  readonly at: ReadonlyMap<string, number>;
  /** [position, unmapped key] of every field without an OCSF attribute. */
  readonly unmapped: readonly (readonly [number, string])[];
  /** metadata.product.version when the format has no `version` field: the newest version among its fields. */
  readonly impliedVersion: string;
  /** The position of every mapped field, -1 when the format has none (looked up once, not per line). */
  readonly i: Readonly<Record<MappedField, number>>;
}

type MappedField =
  | 'version'
  | 'account-id'
  | 'interface-id'
  | 'srcaddr'
  | 'dstaddr'
  | 'srcport'
  | 'dstport'
  | 'protocol'
  | 'packets'
  | 'bytes'
  | 'start'
  | 'end'
  | 'action'
  | 'log-status'
  | 'vpc-id'
  | 'subnet-id'
  | 'instance-id'
  | 'tcp-flags'
  | 'type'
  | 'pkt-srcaddr'
  | 'pkt-dstaddr'
  | 'region'
  | 'az-id'
  | 'pkt-src-aws-service'
  | 'pkt-dst-aws-service'
  | 'flow-direction'
  | 'traffic-path';

export function planOcsf(format: FlowFormat, options: OcsfMapOptions = {}): OcsfPlan {
  const at = new Map<string, number>();
  const unmapped: [number, string][] = [];
  let newest = 2;
  format.fields.forEach((f, i) => {
    at.set(f.name, i);
    if (!MAPPED_FIELDS.has(f.name)) unmapped.push([i, f.column]);
    if (f.version > newest) newest = f.version;
  });
  const i = {} as Record<MappedField, number>;
  for (const name of MAPPED_FIELDS) i[name as MappedField] = at.get(name) ?? -1;
  return { format, flowRegion: options.flowRegion, at, unmapped, impliedVersion: String(newest), i };
}

/** The fields a format needs to be placed in Security Lake's partitions (account and day). */
export function missingOcsfFields(format: FlowFormat): string[] {
  const names = new Set(format.fields.map((f) => f.name));
  return ['account-id', 'start'].filter((n) => !names.has(n));
}

/** A mapped record, or the reason it cannot be one. */
export type OcsfResult = { readonly record: OcsfRecord; readonly reason?: undefined } | { readonly reason: string };

/** Maps one flow-log line (its values already checked against the format's field count). */
export function mapFlowLine(plan: OcsfPlan, line: string): OcsfResult {
  const v = line.split(' ');
  const i = plan.i;
  const start = num(v, i.start, 'int64');
  if (start === null) {
    return { reason: i.start >= 0 ? 'ocsf: start is not a time' : 'ocsf: the format has no start' };
  }
  const end = num(v, i.end, 'int64');
  if (i.end >= 0 && end === null) return { reason: 'ocsf: end is not a time' };

  const direction = str(v, i['flow-direction']);
  const src = endpoint(
    str(v, i.srcaddr),
    str(v, i['pkt-srcaddr']),
    num(v, i.srcport, 'int32'),
    str(v, i['pkt-src-aws-service']),
  );
  const dst = endpoint(
    str(v, i.dstaddr),
    str(v, i['pkt-dstaddr']),
    num(v, i.dstport, 'int32'),
    str(v, i['pkt-dst-aws-service']),
  );
  // The interface's own ids go on the endpoint that is the interface: the destination of ingress traffic,
  // otherwise (egress, `-`, no flow-direction field) the source.
  const local = direction === 'ingress' ? dst : src;
  local.interface_uid = str(v, i['interface-id']);
  local.vpc_uid = str(v, i['vpc-id']);
  local.instance_uid = str(v, i['instance-id']);
  local.subnet_uid = str(v, i['subnet-id']);

  const actionText = str(v, i.action);
  const action = actionText === null ? NO_ACTION : (ACTIONS[actionText] ?? otherAction(actionText));

  const packets = num(v, i.packets, 'int64');
  const bytes = num(v, i.bytes, 'int64');
  let unmapped: Record<string, string> | null = null;
  if (plan.unmapped.length > 0) {
    unmapped = {};
    for (const [at, key] of plan.unmapped) unmapped[key] = v[at];
  }
  const account = str(v, i['account-id']);
  const path = str(v, i['traffic-path']);

  const record: OcsfRecord = {
    metadata: metadataFor(str(v, i.version) ?? plan.impliedVersion),
    cloud: {
      account: account === null ? null : { uid: account },
      region: str(v, i.region) ?? plan.flowRegion ?? null,
      zone: str(v, i['az-id']),
      provider: 'AWS',
    },
    src_endpoint: src,
    dst_endpoint: dst,
    connection_info: {
      protocol_num: num(v, i.protocol, 'int32'),
      tcp_flags: num(v, i['tcp-flags'], 'int32'),
      protocol_ver: str(v, i.type),
      boundary_id: path === null ? null : boundaryId(path),
      boundary: path === null ? null : boundaryCaption(path),
      direction_id: directionId(direction),
      direction: direction === null ? 'Unknown' : (DIRECTIONS[direction] ?? direction),
    },
    traffic: packets === null && bytes === null ? null : { packets, bytes },
    time: start * 1000,
    time_dt: start * 1000,
    start_time_dt: start * 1000,
    end_time_dt: end === null ? null : end * 1000,
    status_code: str(v, i['log-status']),
    severity_id: 1,
    severity: 'Informational',
    class_name: CLASS_NAME,
    class_uid: CLASS_UID,
    category_name: 'Network Activity',
    category_uid: 4,
    activity_name: action.activity[1],
    activity_id: action.activity[0],
    action: action.action[1],
    action_id: action.action[0],
    disposition: action.disposition,
    type_uid: CLASS_UID * 100 + action.activity[0],
    type_name: action.typeName,
    unmapped,
    observables: null,
  };
  return { record };
}

/** One metadata object per product version, shared by the records of that version (they only read it). */
const METADATA = new Map<string, OcsfRecord['metadata']>();

function metadataFor(version: string): OcsfRecord['metadata'] {
  let metadata = METADATA.get(version);
  if (metadata === undefined) {
    metadata = {
      product: { version, name: 'Amazon VPC', feature: { name: 'Flowlogs' }, vendor_name: 'AWS' },
      profiles: [...OCSF_PROFILES],
      version: OCSF_VERSION,
    };
    // A hostile version column could hold many values: the cache keeps the first few hundred.
    if (METADATA.size < 256) METADATA.set(version, metadata);
  }
  return metadata;
}

function str(values: readonly string[], at: number): string | null {
  return at < 0 ? null : values[at];
}

function num(values: readonly string[], at: number, type: FieldType): number | null {
  return at < 0 ? null : (typeToken(values[at], type) as number | null);
}

interface ActionMapping {
  readonly activity: readonly [number, string];
  readonly action: readonly [number, string];
  readonly disposition: string | null;
  readonly typeName: string;
}

const NO_ACTION: ActionMapping = {
  activity: [0, 'Unknown'],
  action: [0, 'Unknown'],
  disposition: null,
  typeName: `${CLASS_NAME}: Unknown`,
};

function otherAction(text: string): ActionMapping {
  return { activity: [99, 'Other'], action: [99, text], disposition: text, typeName: `${CLASS_NAME}: Other` };
}

const DIRECTIONS: Readonly<Record<string, string>> = { ingress: 'Inbound', egress: 'Outbound' };

function directionId(direction: string | null): number {
  if (direction === 'ingress') return 1;
  if (direction === 'egress') return 2;
  return direction === null ? 0 : 99;
}

function boundaryId(path: string): number {
  const n = typeToken(path, 'int32');
  return typeof n === 'number' && n >= 1 && n <= BOUNDARIES.length ? n + 3 : 99;
}

function boundaryCaption(path: string): string {
  const n = typeToken(path, 'int32');
  return typeof n === 'number' && n >= 1 && n <= BOUNDARIES.length ? BOUNDARIES[n - 1] : path;
}

/**
 * An endpoint's address: the packet's own address when the format has it and it differs from the interface's
 * (NAT, a load balancer), with the interface's address as the intermediate one; otherwise the interface's.
 */
function endpoint(addr: string | null, pktAddr: string | null, port: number | null, service: string | null) {
  const natted = pktAddr !== null && addr !== null && pktAddr !== addr;
  const e: OcsfEndpoint = {
    port,
    svc_name: service,
    ip: natted ? pktAddr : (addr ?? pktAddr),
    intermediate_ips: natted ? [addr] : null,
    interface_uid: null,
    vpc_uid: null,
    instance_uid: null,
    subnet_uid: null,
  };
  return e;
}

/** The Security Lake partition of a record: region, account (`external` for `unknown` / `-`) and UTC day. */
export interface OcsfPartition {
  readonly region: string;
  readonly accountId: string;
  readonly eventDay: string;
}

/** Account ids Security Lake cannot place under an AWS account: their records go under `accountId=external`. */
export function isExternalAccount(account: string | null): boolean {
  return account === null || account === '-' || account === 'unknown' || !/^\d{12}$/.test(account);
}

export function partitionOf(record: OcsfRecord, flowRegion?: string): OcsfPartition | { reason: string } {
  const own = record.cloud.region;
  const region = own === null || own === '-' ? flowRegion : own;
  if (region === undefined) return { reason: 'ocsf: no region (the record has none and no --flow-region)' };
  const account = record.cloud.account?.uid ?? null;
  const day = new Date(record.time).toISOString();
  return {
    region,
    accountId: isExternalAccount(account) ? 'external' : (account as string),
    eventDay: `${day.slice(0, 4)}${day.slice(5, 7)}${day.slice(8, 10)}`,
  };
}

/** The JSON form of a record (what the OCSF schema describes): `*_dt` as RFC 3339 strings, nulls left out. */
export function toOcsfJson(record: OcsfRecord): Record<string, unknown> {
  const out = prune(record) as Record<string, unknown>;
  for (const key of ['time_dt', 'start_time_dt', 'end_time_dt'] as const) {
    const ms = record[key];
    if (ms !== null) out[key] = new Date(ms).toISOString();
  }
  return out;
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = prune(v);
  return out;
}
