import {
  type LeafColumn,
  leaf,
  leafColumns,
  list,
  map,
  type SchemaNode,
  struct,
} from '../encode/parquet/nested-schema.js';

/**
 * The Parquet schema of an OCSF 1.1.0 Network Activity file, as Security Lake's own VPC flow source (source
 * version 2) writes it: the same columns, nesting, physical and logical types, in the same order. Every file
 * has all of them, even when a column is null throughout, so that a Glue crawler sees one schema.
 *
 * Departures, each on purpose (docs/decisions.md, "OCSF"): the top-level `accountid`, `region` and
 * `asl_version` columns of the native files are left out (they would clash with the custom source's partition
 * keys), and lists are standard three-level lists rather than parquet-avro's two-level ones.
 */
export const OCSF_ROOT_NAME = 'network_activity';

const endpoint = (name: string): SchemaNode =>
  struct(name, [
    leaf('port', 'int32'),
    leaf('svc_name', 'string'),
    leaf('ip', 'string'),
    list('intermediate_ips', leaf('element', 'string')),
    leaf('interface_uid', 'string'),
    leaf('vpc_uid', 'string'),
    leaf('instance_uid', 'string'),
    leaf('subnet_uid', 'string'),
  ]);

export const OCSF_SCHEMA: readonly SchemaNode[] = [
  struct('metadata', [
    struct('product', [
      leaf('version', 'string', 'required'),
      leaf('name', 'string', 'required'),
      struct('feature', [leaf('name', 'string', 'required')]),
      leaf('vendor_name', 'string', 'required'),
    ]),
    list('profiles', leaf('element', 'string')),
    leaf('version', 'string', 'required'),
  ]),
  struct('cloud', [
    struct('account', [leaf('uid', 'string')]),
    leaf('region', 'string'),
    leaf('zone', 'string'),
    leaf('provider', 'string', 'required'),
  ]),
  endpoint('src_endpoint'),
  endpoint('dst_endpoint'),
  struct('connection_info', [
    leaf('protocol_num', 'int32'),
    leaf('tcp_flags', 'int32'),
    leaf('protocol_ver', 'string'),
    leaf('boundary_id', 'int32'),
    leaf('boundary', 'string'),
    leaf('direction_id', 'int32'),
    leaf('direction', 'string'),
  ]),
  struct('traffic', [leaf('packets', 'int64'), leaf('bytes', 'int64')]),
  leaf('time', 'int64', 'required'),
  leaf('time_dt', 'timestamp'),
  leaf('start_time_dt', 'timestamp'),
  leaf('end_time_dt', 'timestamp'),
  leaf('status_code', 'string'),
  leaf('severity_id', 'int32', 'required'),
  leaf('severity', 'string', 'required'),
  leaf('class_name', 'string', 'required'),
  leaf('class_uid', 'int32', 'required'),
  leaf('category_name', 'string', 'required'),
  leaf('category_uid', 'int32', 'required'),
  leaf('activity_name', 'string', 'required'),
  leaf('activity_id', 'int32', 'required'),
  leaf('action', 'string'),
  leaf('action_id', 'int32'),
  leaf('disposition', 'string'),
  leaf('type_uid', 'int64', 'required'),
  leaf('type_name', 'string', 'required'),
  map('unmapped', leaf('value', 'string')),
  list(
    'observables',
    struct('element', [
      leaf('name', 'string'),
      leaf('value', 'string'),
      leaf('type', 'string'),
      leaf('type_id', 'int32'),
    ]),
  ),
];

/** The leaf columns of an OCSF file, depth first (`metadata.product.version`, …, `observables.list.element.type_id`). */
export const OCSF_LEAF_COLUMNS: readonly LeafColumn[] = leafColumns(OCSF_SCHEMA);

/** The column types as Athena / Glue print them (`struct<…>`, `array<string>`, `map<string,string>`). */
export function hiveType(node: SchemaNode): string {
  switch (node.kind) {
    case 'leaf':
      return node.type === 'int32' ? 'int' : node.type === 'int64' ? 'bigint' : node.type;
    case 'struct':
      return `struct<${node.fields.map((f) => `${f.name}:${hiveType(f)}`).join(',')}>`;
    case 'list':
      return `array<${hiveType(node.element)}>`;
    case 'map':
      return `map<string,${hiveType(node.value)}>`;
  }
}
