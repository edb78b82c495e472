import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFormat, resolveFormat } from '../../src/formats/format.js';
import {
  mapFlowLine,
  missingOcsfFields,
  type OcsfEndpoint,
  type OcsfRecord,
  partitionOf,
  planOcsf,
  toOcsfJson,
} from '../../src/ocsf/map.js';
import { validateNetworkActivity } from '../support/ocsf-validator.js';
import { lineOf, mapped } from './lines.js';

const v2 = resolveFormat('v2');
const v5 = resolveFormat('v5');
const v11 = resolveFormat('v11');

/** Every record a test maps is also checked against the OCSF 1.1.0 class. */
function valid(record: OcsfRecord): OcsfRecord {
  assert.deepEqual(validateNetworkActivity(toOcsfJson(record), { allowDashInTypedStrings: true }), []);
  return record;
}

const noIds = { interface_uid: null, vpc_uid: null, instance_uid: null, subnet_uid: null };

describe('OCSF Network Activity mapping, field by field', () => {
  test('an accepted egress v5 record, every attribute', () => {
    const record = valid(mapped(v5, { 'sublocation-type': 'outpost', 'sublocation-id': 'op-1' }));
    assert.deepEqual(record, {
      metadata: {
        product: { version: '5', name: 'Amazon VPC', feature: { name: 'Flowlogs' }, vendor_name: 'AWS' },
        profiles: ['cloud', 'security_control', 'datetime'],
        version: '1.1.0',
      },
      cloud: { account: { uid: '123456789012' }, region: 'eu-west-1', zone: 'euw1-az1', provider: 'AWS' },
      src_endpoint: {
        port: 49152,
        svc_name: '-',
        ip: '10.0.1.5',
        intermediate_ips: null,
        interface_uid: 'eni-0a1b2c3d4e5f60001',
        vpc_uid: 'vpc-0a1b2c3d',
        instance_uid: 'i-0a1b2c3d4e5f60001',
        subnet_uid: 'subnet-0a1b2c3d',
      },
      dst_endpoint: { port: 443, svc_name: 'S3', ip: '10.0.2.9', intermediate_ips: null, ...noIds },
      connection_info: {
        protocol_num: 6,
        tcp_flags: 19,
        protocol_ver: 'IPv4',
        boundary_id: 4,
        boundary: 'Same VPC',
        direction_id: 2,
        direction: 'Outbound',
      },
      traffic: { packets: 10, bytes: 8400 },
      time: 1580515200000,
      time_dt: 1580515200000,
      start_time_dt: 1580515200000,
      end_time_dt: 1580515260000,
      status_code: 'OK',
      severity_id: 1,
      severity: 'Informational',
      class_name: 'Network Activity',
      class_uid: 4001,
      category_name: 'Network Activity',
      category_uid: 4,
      activity_name: 'Traffic',
      activity_id: 6,
      action: 'Allowed',
      action_id: 1,
      disposition: 'Allowed',
      type_uid: 400106,
      type_name: 'Network Activity: Traffic',
      unmapped: { sublocation_type: 'outpost', sublocation_id: 'op-1' },
      observables: null,
    });
  });

  test('REJECT is Refuse / Denied / Blocked, and ingress puts the interface on the destination', () => {
    const record = valid(
      mapped(v5, {
        action: 'REJECT',
        'flow-direction': 'ingress',
        srcaddr: '198.51.100.7',
        'pkt-srcaddr': '198.51.100.7',
      }),
    );
    assert.equal(record.activity_id, 5);
    assert.equal(record.activity_name, 'Refuse');
    assert.equal(record.type_uid, 400105);
    assert.equal(record.type_name, 'Network Activity: Refuse');
    assert.equal(record.action_id, 2);
    assert.equal(record.action, 'Denied');
    assert.equal(record.disposition, 'Blocked');
    assert.equal(record.connection_info.direction_id, 1);
    assert.equal(record.connection_info.direction, 'Inbound');
    const ids = (e: OcsfEndpoint) => [e.interface_uid, e.vpc_uid, e.instance_uid, e.subnet_uid];
    assert.deepEqual(ids(record.dst_endpoint), [
      'eni-0a1b2c3d4e5f60001',
      'vpc-0a1b2c3d',
      'i-0a1b2c3d4e5f60001',
      'subnet-0a1b2c3d',
    ]);
    assert.deepEqual(ids(record.src_endpoint), [null, null, null, null]);
    assert.equal(record.src_endpoint.ip, '198.51.100.7');
  });

  test('flow-direction `-` is 99 "-" with the interface on the source; no flow-direction field is 0 Unknown', () => {
    const dash = valid(mapped(v5, { 'flow-direction': '-' }));
    assert.equal(dash.connection_info.direction_id, 99);
    assert.equal(dash.connection_info.direction, '-');
    assert.equal(dash.src_endpoint.interface_uid, 'eni-0a1b2c3d4e5f60001');
    assert.equal(dash.dst_endpoint.interface_uid, null);
    const none = valid(mapped(v2));
    assert.equal(none.connection_info.direction_id, 0);
    assert.equal(none.connection_info.direction, 'Unknown');
    assert.equal(none.src_endpoint.interface_uid, 'eni-0a1b2c3d4e5f60001');
    assert.equal(none.dst_endpoint.interface_uid, null);
  });

  test('every traffic-path value: 1–8 → boundary 4–11 with its caption, `-` → 99 "-", no field → null', () => {
    const expected = [
      [4, 'Same VPC'],
      [5, 'Internet/VPC Gateway'],
      [6, 'Virtual Private Gateway'],
      [7, 'Intra-region VPC'],
      [8, 'Inter-region VPC'],
      [9, 'Local Gateway'],
      [10, 'Gateway VPC'],
      [11, 'Internet Gateway'],
    ];
    for (let path = 1; path <= 8; path++) {
      const { boundary_id, boundary } = valid(mapped(v5, { 'traffic-path': String(path) })).connection_info;
      assert.deepEqual([boundary_id, boundary], expected[path - 1], `traffic-path ${path}`);
    }
    const dash = valid(mapped(v5, { 'traffic-path': '-' })).connection_info;
    assert.deepEqual([dash.boundary_id, dash.boundary], [99, '-']);
    const absent = valid(mapped(v2)).connection_info;
    assert.deepEqual([absent.boundary_id, absent.boundary], [null, null]);
  });

  test("NAT'd addresses: the packet's address is the endpoint's ip, the interface's an intermediate one", () => {
    const record = valid(
      mapped(v5, {
        srcaddr: '10.0.1.5',
        'pkt-srcaddr': '10.0.7.7',
        dstaddr: '10.0.2.9',
        'pkt-dstaddr': '203.0.113.8',
      }),
    );
    assert.equal(record.src_endpoint.ip, '10.0.7.7');
    assert.deepEqual(record.src_endpoint.intermediate_ips, ['10.0.1.5']);
    assert.equal(record.dst_endpoint.ip, '203.0.113.8');
    assert.deepEqual(record.dst_endpoint.intermediate_ips, ['10.0.2.9']);
    const plain = valid(mapped(v5));
    assert.equal(plain.src_endpoint.intermediate_ips, null);
    assert.equal(plain.dst_endpoint.intermediate_ips, null);
  });

  test('IPv6 addresses and type', () => {
    const src = '2001:db8:1234:1a00:9691:9503:25ad:1761';
    const dst = '2001:db8::1';
    const record = valid(
      mapped(v5, { srcaddr: src, 'pkt-srcaddr': src, dstaddr: dst, 'pkt-dstaddr': dst, type: 'IPv6' }),
    );
    assert.equal(record.src_endpoint.ip, src);
    assert.equal(record.dst_endpoint.ip, dst);
    assert.equal(record.connection_info.protocol_ver, 'IPv6');
  });

  const noData = {
    srcaddr: '-',
    dstaddr: '-',
    srcport: '-',
    dstport: '-',
    protocol: '-',
    packets: '-',
    bytes: '-',
    action: '-',
    'tcp-flags': '-',
    type: '-',
    'pkt-srcaddr': '-',
    'pkt-dstaddr': '-',
    'pkt-dst-aws-service': '-',
    'flow-direction': '-',
    'traffic-path': '-',
    'instance-id': '-',
  };

  for (const status of ['NODATA', 'SKIPDATA']) {
    test(`${status} is kept: Unknown activity, numbers null, strings "-"`, () => {
      const record = valid(mapped(v5, { ...noData, 'log-status': status }));
      assert.equal(record.status_code, status);
      assert.equal(record.activity_id, 0);
      assert.equal(record.activity_name, 'Unknown');
      assert.equal(record.type_uid, 400100);
      assert.equal(record.type_name, 'Network Activity: Unknown');
      assert.equal(record.action_id, 99);
      assert.equal(record.action, '-');
      assert.equal(record.disposition, '-');
      assert.equal(record.traffic, null);
      assert.deepEqual(record.src_endpoint, {
        port: null,
        svc_name: '-',
        ip: '-',
        intermediate_ips: null,
        interface_uid: 'eni-0a1b2c3d4e5f60001',
        vpc_uid: 'vpc-0a1b2c3d',
        instance_uid: '-',
        subnet_uid: 'subnet-0a1b2c3d',
      });
      assert.deepEqual(record.dst_endpoint, { port: null, svc_name: '-', ip: '-', intermediate_ips: null, ...noIds });
      assert.deepEqual(record.connection_info, {
        protocol_num: null,
        tcp_flags: null,
        protocol_ver: '-',
        boundary_id: 99,
        boundary: '-',
        direction_id: 99,
        direction: '-',
      });
      assert.equal(record.time, 1580515200000);
    });
  }

  test('the v2 default format: region from --flow-region, product version "2", nothing unmapped', () => {
    const record = valid(mapped(v2, { version: '2' }, { flowRegion: 'us-east-2' }));
    assert.equal(record.metadata.product.version, '2');
    assert.equal(record.cloud.region, 'us-east-2');
    assert.equal(record.cloud.zone, null);
    assert.equal(record.unmapped, null);
    assert.equal(record.connection_info.tcp_flags, null);
    assert.equal(record.connection_info.protocol_ver, null);
    assert.equal(record.src_endpoint.svc_name, null);
    assert.equal(record.src_endpoint.vpc_uid, null);
    assert.equal(valid(mapped(v2)).cloud.region, null);
  });

  test('v11: every field without an OCSF attribute is an unmapped string, `-` kept', () => {
    const record = valid(
      mapped(v11, {
        'ecs-cluster-name': 'web',
        'reject-reason': 'BPA',
        'resource-id': 'nat-0123',
        'encryption-status': '2',
        'instance-tag': 'prod',
        'next-hop-interface-id': 'eni-9',
      }),
    );
    const unmapped = record.unmapped ?? {};
    assert.equal(unmapped.ecs_cluster_name, 'web');
    assert.equal(unmapped.reject_reason, 'BPA');
    assert.equal(unmapped.resource_id, 'nat-0123');
    assert.equal(unmapped.encryption_status, '2');
    assert.equal(unmapped.instance_tag, 'prod');
    assert.equal(unmapped.next_hop_interface_id, 'eni-9');
    assert.equal(unmapped.ecs_task_arn, '-');
    assert.equal(unmapped.sublocation_type, '-');
    // Exactly the fields with no attribute, under their `_` names.
    assert.deepEqual(
      Object.keys(unmapped).sort(),
      ['sublocation_type', 'sublocation_id', ...v11.fields.filter((f) => f.version >= 7).map((f) => f.column)].sort(),
    );
    assert.equal(record.metadata.product.version, '5'); // the record's own version field
  });

  test('`-` rule: a number is null, a string is kept', () => {
    const record = valid(mapped(v5, { 'tcp-flags': '-', srcport: '-', 'vpc-id': '-', 'az-id': '-', region: '-' }));
    assert.equal(record.connection_info.tcp_flags, null);
    assert.equal(record.src_endpoint.port, null);
    assert.equal(record.src_endpoint.vpc_uid, '-');
    assert.equal(record.cloud.zone, '-');
    assert.equal(record.cloud.region, '-');
  });

  test('a custom format without version or action: implied product version, Unknown action', () => {
    const format = parseFormat('${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${start} ${flow-direction}');
    const record = valid(mapped(format));
    assert.equal(record.metadata.product.version, '5');
    assert.equal(record.action_id, 0);
    assert.equal(record.action, 'Unknown');
    assert.equal(record.disposition, null);
    assert.equal(record.end_time_dt, null);
    assert.equal(record.traffic, null);
    assert.equal(record.status_code, null);
  });

  test('records whose times are not times are rejected with a reason', () => {
    const plan = planOcsf(v5);
    assert.deepEqual(mapFlowLine(plan, lineOf(v5, { start: '-' })), { reason: 'ocsf: start is not a time' });
    assert.deepEqual(mapFlowLine(plan, lineOf(v5, { end: '-' })), { reason: 'ocsf: end is not a time' });
    assert.deepEqual(mapFlowLine(plan, lineOf(v5, { start: '1e9' })), { reason: 'ocsf: start is not a time' });
  });

  test('formats that cannot be placed in partitions name the missing fields', () => {
    assert.deepEqual(missingOcsfFields(v2), []);
    assert.deepEqual(missingOcsfFields(parseFormat('${srcaddr} ${dstaddr}')), ['account-id', 'start']);
    assert.deepEqual(missingOcsfFields(parseFormat('${account-id} ${end}')), ['start']);
  });

  test('partition: region (or --flow-region), account or external, UTC day of start', () => {
    assert.deepEqual(partitionOf(mapped(v5, { start: '1580601599' })), {
      region: 'eu-west-1',
      accountId: '123456789012',
      eventDay: '20200201',
    });
    assert.deepEqual(partitionOf(mapped(v5, { start: '1580601600' })), {
      region: 'eu-west-1',
      accountId: '123456789012',
      eventDay: '20200202',
    });
    for (const account of ['unknown', '-']) {
      const record = mapped(v5, { 'account-id': account });
      assert.equal((partitionOf(record) as { accountId: string }).accountId, 'external');
      assert.equal(record.cloud.account?.uid, account);
    }
    assert.equal((partitionOf(mapped(v2), 'ap-south-1') as { region: string }).region, 'ap-south-1');
    assert.equal((partitionOf(mapped(v5, { region: '-' }), 'ap-south-1') as { region: string }).region, 'ap-south-1');
    assert.deepEqual(partitionOf(mapped(v2)), { reason: 'ocsf: no region (the record has none and no --flow-region)' });
  });
});
