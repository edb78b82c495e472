/**
 * The catalog of VPC Flow Logs fields, versions 2 to 11, with the column types AWS itself uses when it delivers
 * flow logs as Parquet. Text delivery has no types; these are what Parquet, JSONL and Athena get.
 */
export type FieldType = 'int32' | 'int64' | 'string';

export interface FieldDef {
  /** The AWS name, as written in `${…}` format strings and in CSV headers (`account-id`). */
  readonly name: string;
  /** The column name in Parquet, JSONL and Athena (`account_id`). */
  readonly column: string;
  readonly type: FieldType;
  /** The flow-log version that introduced the field; 0 for names this catalog does not know. */
  readonly version: number;
}

const catalogRows: ReadonlyArray<readonly [string, FieldType, number]> = [
  // v2: the default format, in its order
  ['version', 'int32', 2],
  ['account-id', 'string', 2],
  ['interface-id', 'string', 2],
  ['srcaddr', 'string', 2],
  ['dstaddr', 'string', 2],
  ['srcport', 'int32', 2],
  ['dstport', 'int32', 2],
  ['protocol', 'int32', 2],
  ['packets', 'int64', 2],
  ['bytes', 'int64', 2],
  ['start', 'int64', 2],
  ['end', 'int64', 2],
  ['action', 'string', 2],
  ['log-status', 'string', 2],
  // v3
  ['vpc-id', 'string', 3],
  ['subnet-id', 'string', 3],
  ['instance-id', 'string', 3],
  ['tcp-flags', 'int32', 3],
  ['type', 'string', 3],
  ['pkt-srcaddr', 'string', 3],
  ['pkt-dstaddr', 'string', 3],
  // v4
  ['region', 'string', 4],
  ['az-id', 'string', 4],
  ['sublocation-type', 'string', 4],
  ['sublocation-id', 'string', 4],
  // v5
  ['pkt-src-aws-service', 'string', 5],
  ['pkt-dst-aws-service', 'string', 5],
  ['flow-direction', 'string', 5],
  ['traffic-path', 'int32', 5],
  // v6: transit gateway flow logs
  ['resource-type', 'string', 6],
  ['tgw-id', 'string', 6],
  ['tgw-attachment-id', 'string', 6],
  ['tgw-src-vpc-account-id', 'string', 6],
  ['tgw-dst-vpc-account-id', 'string', 6],
  ['tgw-src-vpc-id', 'string', 6],
  ['tgw-dst-vpc-id', 'string', 6],
  ['tgw-src-subnet-id', 'string', 6],
  ['tgw-dst-subnet-id', 'string', 6],
  ['tgw-src-eni', 'string', 6],
  ['tgw-dst-eni', 'string', 6],
  ['tgw-src-az-id', 'string', 6],
  ['tgw-dst-az-id', 'string', 6],
  ['tgw-pair-attachment-id', 'string', 6],
  ['packets-lost-no-route', 'int64', 6],
  ['packets-lost-blackhole', 'int64', 6],
  ['packets-lost-mtu-exceeded', 'int64', 6],
  ['packets-lost-ttl-expired', 'int64', 6],
  // v7: ECS
  ['ecs-cluster-arn', 'string', 7],
  ['ecs-cluster-name', 'string', 7],
  ['ecs-container-instance-arn', 'string', 7],
  ['ecs-container-instance-id', 'string', 7],
  ['ecs-container-id', 'string', 7],
  ['ecs-second-container-id', 'string', 7],
  ['ecs-service-name', 'string', 7],
  ['ecs-task-definition-arn', 'string', 7],
  ['ecs-task-arn', 'string', 7],
  ['ecs-task-id', 'string', 7],
  // v8
  ['reject-reason', 'string', 8],
  // v9: the resource behind the interface (e.g. a regional NAT gateway)
  ['resource-id', 'string', 9],
  // v10: VPC encryption controls (0 not encrypted, 1 Nitro, 2 application, 3 both)
  ['encryption-status', 'int32', 10],
  // v11: tag values of the instance, interface and Auto Scaling group, and the next hop of the flow
  ['instance-tag', 'string', 11],
  ['instance-tag-2', 'string', 11],
  ['interface-tag', 'string', 11],
  ['interface-tag-2', 'string', 11],
  ['asg-tag', 'string', 11],
  ['asg-tag-2', 'string', 11],
  ['interface-type', 'string', 11],
  ['next-hop-interface-id', 'string', 11],
  ['next-hop-subnet-id', 'string', 11],
  ['next-hop-vpc-id', 'string', 11],
  ['next-hop-az-id', 'string', 11],
  ['next-hop-interface-type', 'string', 11],
];

function columnName(awsName: string): string {
  return awsName.replaceAll('-', '_');
}

export const FIELD_CATALOG: ReadonlyMap<string, FieldDef> = new Map(
  catalogRows.map(([name, type, version]) => [name, { name, column: columnName(name), type, version }]),
);

/** A field the catalog does not know (a newer AWS field): kept as a string column. */
export function unknownField(name: string): FieldDef {
  return { name, column: columnName(name), type: 'string', version: 0 };
}

export function fieldByName(name: string): FieldDef {
  return FIELD_CATALOG.get(name) ?? unknownField(name);
}
