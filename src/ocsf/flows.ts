import { fieldByName } from '../formats/fields.js';
import { resolveFormat } from '../formats/format.js';

/**
 * OCSF Network Activity rows (flowlake's `--to ocsf` files, or Amazon Security Lake's own VPC flow source,
 * version 2) read back as flow-log rows: the `flows` columns with the Parquet names and types, `-` → NULL,
 * the inverse of the mapping in map.ts (docs/ocsf.md). DuckDB (query, hunt, report) and Athena (the named
 * queries over a Security Lake table) read the same expressions, bar the few that differ (OcsfSqlDialect).
 *
 * The columns are those of the v5 format, which OCSF's attributes cover whole, plus one per `unmapped` key
 * the data holds (v6–v11 fields, typed as the catalog types them). `timestamp` is the flow's start: OCSF has no
 * delivery time.
 */
export interface OcsfSqlDialect {
  /** A value of a string map, NULL when the key is absent. */
  mapValue(map: string, key: string): string;
  /** A TIMESTAMP → epoch seconds, as a DOUBLE. */
  epochSeconds(timestamp: string): string;
  /** Epoch ms → TIMESTAMP. */
  timestampOfMs(ms: string): string;
  /** The first element of an array, NULL when it is NULL or empty. */
  first(array: string): string;
}

export const OCSF_DUCKDB: OcsfSqlDialect = {
  mapValue: (map, key) => `${map}[${key}]`,
  epochSeconds: (ts) => `epoch(${ts})`,
  // OCSF times are whole seconds (flow logs' start × 1000): exact as a DOUBLE.
  timestampOfMs: (ms) => `to_timestamp(CAST(${ms} AS DOUBLE) / 1000)`,
  first: (array) => `${array}[1]`,
};

export const OCSF_ATHENA: OcsfSqlDialect = {
  mapValue: (map, key) => `element_at(${map}, ${key})`,
  epochSeconds: (ts) => `to_unixtime(${ts})`,
  timestampOfMs: (ms) => `from_unixtime(CAST(${ms} AS DOUBLE) / 1000)`,
  first: (array) => `element_at(${array}, 1)`,
};

/** Whether a relation's columns are those of OCSF Network Activity (rather than flow-log fields). */
export function isOcsfColumns(columns: readonly string[]): boolean {
  const names = new Set(columns);
  return ['class_uid', 'src_endpoint', 'dst_endpoint', 'connection_info', 'time'].every((c) => names.has(c));
}

const SQL_TYPES = { int32: 'INTEGER', int64: 'BIGINT', string: 'VARCHAR' } as const;

function dash(expression: string): string {
  return `nullif(${expression}, '-')`;
}

/** The interface's own value of an endpoint attribute: on whichever endpoint the record put it. */
function local(attribute: string): string {
  return `coalesce(${dash(`src_endpoint.${attribute}`)}, ${dash(`dst_endpoint.${attribute}`)})`;
}

/** The interface's address: the intermediate one of a NAT'd endpoint, else the endpoint's own. */
function interfaceAddress(d: OcsfSqlDialect, endpoint: string): string {
  return dash(`coalesce(${d.first(`${endpoint}.intermediate_ips`)}, ${endpoint}.ip)`);
}

/** The v5 fields, each as an expression over the OCSF columns. */
function v5Expressions(d: OcsfSqlDialect): Record<string, string> {
  return {
    version: `TRY_CAST(metadata.product.version AS INTEGER)`,
    account_id: dash('cloud.account.uid'),
    interface_id: local('interface_uid'),
    srcaddr: interfaceAddress(d, 'src_endpoint'),
    dstaddr: interfaceAddress(d, 'dst_endpoint'),
    srcport: 'src_endpoint.port',
    dstport: 'dst_endpoint.port',
    protocol: 'connection_info.protocol_num',
    packets: 'traffic.packets',
    bytes: 'traffic.bytes',
    start: `CAST(floor("time" / 1000) AS BIGINT)`,
    end: `CAST(floor(${d.epochSeconds('end_time_dt')}) AS BIGINT)`,
    action: `CASE action_id WHEN 1 THEN 'ACCEPT' WHEN 2 THEN 'REJECT' END`,
    log_status: dash('status_code'),
    vpc_id: local('vpc_uid'),
    subnet_id: local('subnet_uid'),
    instance_id: local('instance_uid'),
    tcp_flags: 'connection_info.tcp_flags',
    type: dash('connection_info.protocol_ver'),
    pkt_srcaddr: dash('src_endpoint.ip'),
    pkt_dstaddr: dash('dst_endpoint.ip'),
    region: dash('cloud.region'),
    az_id: dash('cloud.zone'),
    sublocation_type: dash(d.mapValue('unmapped', `'sublocation_type'`)),
    sublocation_id: dash(d.mapValue('unmapped', `'sublocation_id'`)),
    pkt_src_aws_service: dash('src_endpoint.svc_name'),
    pkt_dst_aws_service: dash('dst_endpoint.svc_name'),
    flow_direction: `CASE connection_info.direction_id WHEN 1 THEN 'ingress' WHEN 2 THEN 'egress' END`,
    traffic_path: `CASE WHEN connection_info.boundary_id BETWEEN 4 AND 11 THEN connection_info.boundary_id - 3 END`,
  };
}

const V5 = resolveFormat('v5');

/**
 * The select list of `flows` over OCSF rows: `timestamp`, the v5 fields, then `unmappedKeys` (the keys of
 * `unmapped` the data has, e.g. `ecs_cluster_name`) as their fields.
 */
export function ocsfFlowColumns(d: OcsfSqlDialect, unmappedKeys: readonly string[] = []): string[] {
  const expressions = v5Expressions(d);
  const select = [`${d.timestampOfMs('"time"')} AS "timestamp"`];
  for (const field of V5.fields) {
    select.push(`CAST(${expressions[field.column]} AS ${SQL_TYPES[field.type]}) AS "${field.column}"`);
  }
  const known = new Set(V5.fields.map((f) => f.column));
  for (const key of [...unmappedKeys].sort()) {
    if (known.has(key) || !/^[a-z0-9_]+$/.test(key)) continue;
    const field = fieldByName(key.replaceAll('_', '-'));
    const value = dash(d.mapValue('unmapped', `'${key}'`));
    select.push(
      field.type === 'string' ? `${value} AS "${key}"` : `TRY_CAST(${value} AS ${SQL_TYPES[field.type]}) AS "${key}"`,
    );
  }
  return select;
}

/** `start` bounds (epoch seconds) for --since/--until over OCSF rows (their `time`, in ms). */
export function ocsfTimeWindow(since?: number, until?: number): string {
  const parts: string[] = [];
  if (since !== undefined) parts.push(`"time" >= ${since * 1000}`);
  if (until !== undefined) parts.push(`"time" < ${until * 1000}`);
  return parts.length ? parts.join(' AND ') : 'TRUE';
}
