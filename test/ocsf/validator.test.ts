import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveFormat } from '../../src/formats/format.js';
import { toOcsfJson } from '../../src/ocsf/map.js';
import { hiveType, OCSF_LEAF_COLUMNS, OCSF_SCHEMA } from '../../src/ocsf/schema.js';
import { validateNetworkActivity } from '../support/ocsf-validator.js';
import { mapped } from './lines.js';

const v5 = resolveFormat('v5');
type Json = Record<string, unknown>;

function event(): Json {
  return structuredClone(toOcsfJson(mapped(v5))) as Json;
}

describe('the OCSF 1.1.0 validator (from the ocsf-schema class and objects)', () => {
  test('a mapped record passes', () => {
    assert.deepEqual(validateNetworkActivity(event()), []);
  });

  test('a missing required attribute, at the top and inside objects', () => {
    const e = event();
    delete e.severity_id;
    delete (e.cloud as Json).provider;
    delete ((e.metadata as Json).product as Json).vendor_name;
    delete (e.connection_info as Json).direction_id;
    delete e.dst_endpoint;
    assert.deepEqual(validateNetworkActivity(e).sort(), [
      'cloud.provider: required',
      'connection_info.direction_id: required',
      'dst_endpoint: required',
      'metadata.product.vendor_name: required',
      'severity_id: required',
    ]);
  });

  test('the security_control profile makes action_id required only when listed', () => {
    const e = event();
    delete e.action_id;
    assert.deepEqual(validateNetworkActivity(e), ['action_id: required']);
    (e.metadata as Json).profiles = ['cloud', 'datetime'];
    assert.deepEqual(validateNetworkActivity(e).sort(), [
      'action: not an attribute of this class',
      'disposition: not an attribute of this class',
    ]);
  });

  test('enum values out of range and captions that do not match', () => {
    const e = event();
    (e.connection_info as Json).boundary_id = 12;
    e.severity_id = 7;
    e.activity_name = 'Open';
    assert.deepEqual(validateNetworkActivity(e).sort(), [
      'activity_name: "Open" is not the caption of activity_id 6 (Traffic)',
      'connection_info.boundary_id: 12 is not in the enum (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 99)',
      'severity_id: 7 is not in the enum (0, 1, 2, 3, 4, 5, 6, 99)',
    ]);
  });

  test('types: integers, longs, strings, ports, addresses, datetimes, arrays, unknown attributes', () => {
    const e = event();
    (e.src_endpoint as Json).port = 70000;
    (e.dst_endpoint as Json).ip = '10.0.0.300';
    (e.dst_endpoint as Json).intermediate_ips = '10.0.0.1';
    (e.traffic as Json).bytes = '8400';
    (e.connection_info as Json).protocol_num = 6.5;
    e.time_dt = '2020-02-01 00:00:00';
    e.time = 1.5;
    e.flow_id = 'x';
    assert.deepEqual(validateNetworkActivity(e).sort(), [
      'connection_info.protocol_num: 6.5 is not an integer_t',
      'dst_endpoint.intermediate_ips: expected an array of ip_t',
      'dst_endpoint.ip: "10.0.0.300" is not a ip_t',
      'flow_id: not an attribute of this class',
      "src_endpoint.port: 70000 is outside port_t's range 0–65535",
      'time: 1.5 is not a long_t',
      'time_dt: "2020-02-01 00:00:00" is not a datetime_t',
      'traffic.bytes: "8400" is not a long_t',
    ]);
  });

  test('computed ids and the endpoint constraint', () => {
    const e = event();
    e.type_uid = 400105;
    e.class_uid = 4002;
    e.src_endpoint = { port: 1 };
    const errors = validateNetworkActivity(e).sort();
    assert.deepEqual(errors, [
      'class_uid: 4002 is not 4001',
      'src_endpoint: needs at least one of ip, uid, name, hostname, svc_name, instance_uid, interface_uid, interface_name',
      'type_uid: 400105 is not class_uid × 100 + activity_id',
    ]);
  });

  test('the native "-" for a NODATA address passes only when allowed', () => {
    const e = event();
    (e.src_endpoint as Json).ip = '-';
    assert.deepEqual(validateNetworkActivity(e), ['src_endpoint.ip: "-" is not a ip_t']);
    assert.deepEqual(validateNetworkActivity(e, { allowDashInTypedStrings: true }), []);
  });
});

describe('the OCSF Parquet schema (data)', () => {
  test('top-level columns in the native order, without the partition-like columns', () => {
    assert.deepEqual(
      OCSF_SCHEMA.map((n) => n.name),
      [
        'metadata',
        'cloud',
        'src_endpoint',
        'dst_endpoint',
        'connection_info',
        'traffic',
        'time',
        'time_dt',
        'start_time_dt',
        'end_time_dt',
        'status_code',
        'severity_id',
        'severity',
        'class_name',
        'class_uid',
        'category_name',
        'category_uid',
        'activity_name',
        'activity_id',
        'action',
        'action_id',
        'disposition',
        'type_uid',
        'type_name',
        'unmapped',
        'observables',
      ],
    );
  });

  test('leaf columns: paths, types and levels', () => {
    const byPath = new Map(OCSF_LEAF_COLUMNS.map((c) => [c.path.join('.'), c]));
    const levels = (path: string) => {
      const c = byPath.get(path);
      assert.ok(c, path);
      return [c.type, c.maxDefinition, c.maxRepetition];
    };
    assert.deepEqual(levels('metadata.product.version'), ['string', 2, 0]);
    assert.deepEqual(levels('metadata.product.feature.name'), ['string', 3, 0]);
    assert.deepEqual(levels('metadata.profiles.list.element'), ['string', 4, 1]);
    assert.deepEqual(levels('cloud.provider'), ['string', 1, 0]);
    assert.deepEqual(levels('src_endpoint.intermediate_ips.list.element'), ['string', 4, 1]);
    assert.deepEqual(levels('connection_info.protocol_num'), ['int32', 2, 0]);
    assert.deepEqual(levels('traffic.bytes'), ['int64', 2, 0]);
    assert.deepEqual(levels('time'), ['int64', 0, 0]);
    assert.deepEqual(levels('time_dt'), ['timestamp', 1, 0]);
    assert.deepEqual(levels('type_uid'), ['int64', 0, 0]);
    assert.deepEqual(levels('unmapped.key_value.key'), ['string', 2, 1]);
    assert.deepEqual(levels('unmapped.key_value.value'), ['string', 3, 1]);
    assert.deepEqual(levels('observables.list.element.type_id'), ['int32', 4, 1]);
    assert.equal(OCSF_LEAF_COLUMNS.length, 59);
  });

  test('Glue types as the native table shows them', () => {
    const type = (name: string) => hiveType(OCSF_SCHEMA.find((n) => n.name === name) ?? assert.fail(name));
    assert.equal(
      type('src_endpoint'),
      'struct<port:int,svc_name:string,ip:string,intermediate_ips:array<string>,interface_uid:string,vpc_uid:string,instance_uid:string,subnet_uid:string>',
    );
    assert.equal(type('unmapped'), 'map<string,string>');
    assert.equal(type('time'), 'bigint');
    assert.equal(type('time_dt'), 'timestamp');
  });
});
