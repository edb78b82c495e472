import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Checks OCSF events (JSON form) against the OCSF 1.1.0 schema files in test/fixtures/ocsf-1.1.0, read the way
 * the schema defines itself: a class extends its parent (network_activity → network → base_event), `$include`s
 * bring in attribute sets (profiles only when the event lists them in `metadata.profiles`), each attribute's
 * type and enum come from the dictionary merged with the class's or object's own definition, objects extend
 * theirs (network_endpoint → endpoint → _entity → object), and the datetime profile adds a `<name>_dt`
 * (datetime_t) beside every timestamp_t attribute.
 *
 * Checked: required attributes present; no attribute the class or object does not define; types (integer_t
 * within 32 bits, long_t a safe integer, strings, arrays, objects, the regex, range and length of derived types);
 * enum values in range, and an enum's sibling caption equal to the value's caption unless the value is 99
 * (Other, where the sibling carries the source's own text); `at_least_one` constraints; class_uid, category_uid
 * and type_uid as the schema computes them.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ocsf-1.1.0');

type Json = Record<string, unknown>;

interface AttributeDef {
  type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, { caption?: string }>;
  sibling?: string;
  caption?: string;
}

interface TypeDef {
  type?: string;
  regex?: string;
  range?: [number, number];
  max_len?: number;
}

interface Definition {
  readonly attributes: Map<string, AttributeDef>;
  readonly atLeastOne?: readonly string[];
}

export interface ValidationOptions {
  /**
   * Accept the literal `-` in string types that have a pattern (ip_t): Security Lake's native VPC flow source
   * writes the addresses of NODATA/SKIPDATA records as `-`, and flowlake does as it does.
   */
  readonly allowDashInTypedStrings?: boolean;
}

function readJson(path: string): Json {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Json;
}

const dictionary = readJson('dictionary.json');
const dictionaryAttributes = dictionary.attributes as Record<string, AttributeDef>;
const types = (dictionary.types as { attributes: Record<string, TypeDef> }).attributes;
const categories = readJson('categories.json').attributes as Record<string, { uid: number; caption: string }>;

function mergeAttribute(base: AttributeDef | undefined, over: AttributeDef): AttributeDef {
  const merged: AttributeDef = { ...(base ?? {}), ...over };
  if (base?.enum || over.enum) merged.enum = { ...(base?.enum ?? {}), ...(over.enum ?? {}) };
  return merged;
}

/** Adds the attributes of a definition file (and its `$include`s) to `into`, later definitions overriding. */
function addAttributes(into: Map<string, AttributeDef>, attributes: Json, profiles: ReadonlySet<string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === '$include') {
      for (const path of value as string[]) {
        if (path.startsWith('profiles/')) {
          const profile = path.slice('profiles/'.length, -'.json'.length);
          if (!profiles.has(profile)) continue;
        }
        if (!existsSync(join(ROOT, path))) throw new Error(`OCSF fixture ${path} is missing`);
        addAttributes(into, readJson(path).attributes as Json, profiles);
      }
      continue;
    }
    into.set(name, mergeAttribute(into.get(name), value as AttributeDef));
  }
}

function resolve(kind: 'events' | 'objects', file: string, profiles: ReadonlySet<string>): Definition & { json: Json } {
  const json = readJson(file);
  const attributes = new Map<string, AttributeDef>();
  let atLeastOne: readonly string[] | undefined;
  const parent = json.extends as string | undefined;
  if (parent !== undefined) {
    const parentFile = kind === 'objects' ? `objects/${parent}.json` : eventFile(parent);
    const p = resolve(kind, parentFile, profiles);
    for (const [k, v] of p.attributes) attributes.set(k, v);
    atLeastOne = p.atLeastOne;
  }
  addAttributes(attributes, (json.attributes as Json) ?? {}, profiles);
  const constraints = json.constraints as { at_least_one?: string[] } | undefined;
  if (constraints?.at_least_one) atLeastOne = constraints.at_least_one;
  // Every attribute gets the dictionary's definition under the file's own.
  for (const [k, v] of attributes) attributes.set(k, mergeAttribute(dictionaryAttributes[k], v));
  return { attributes, atLeastOne, json };
}

function eventFile(name: string): string {
  if (name === 'base_event') return 'events/base_event.json';
  return `events/network/${name}.json`;
}

/** The base type an OCSF type reduces to (`port_t` → integer_t), with every constraint met on the way. */
function typeChain(type: string): TypeDef[] {
  const chain: TypeDef[] = [];
  let t: string | undefined = type;
  while (t !== undefined && types[t] !== undefined) {
    chain.push({ ...types[t], type: t });
    t = types[t].type;
  }
  return chain;
}

/** Resolved definitions per set of profiles: the schema files are read once per set, not once per event. */
const resolved = new Map<string, { cls: Definition & { json: Json }; objects: Map<string, Definition> }>();

function definitionsFor(profiles: ReadonlySet<string>) {
  const key = [...profiles].sort().join(',');
  let entry = resolved.get(key);
  if (!entry) {
    const cls = resolve('events', 'events/network/network_activity.json', profiles);
    // The schema computes these (category uid × 1000 + class uid, class_uid × 100 + activity_id): checked below,
    // in place of classification.json's placeholder enums (0 only).
    for (const computed of ['class_uid', 'category_uid']) {
      const def = cls.attributes.get(computed);
      if (def) cls.attributes.set(computed, { ...def, enum: undefined });
    }
    entry = { cls, objects: new Map() };
    resolved.set(key, entry);
  }
  return entry;
}

export function validateNetworkActivity(event: Json, options: ValidationOptions = {}): string[] {
  const errors: string[] = [];
  const metadata = event.metadata as Json | undefined;
  const profiles = new Set(Array.isArray(metadata?.profiles) ? (metadata.profiles as string[]) : []);
  const { cls, objects } = definitionsFor(profiles);
  const category = categories[cls.json.category as string];
  const classUid = category.uid * 1000 + (cls.json.uid as number);
  const objectDef = (name: string): Definition => {
    let def = objects.get(name);
    if (!def) {
      def = resolve('objects', `objects/${name}.json`, profiles);
      objects.set(name, def);
    }
    return def;
  };

  const checkValue = (path: string, def: AttributeDef, value: unknown): void => {
    const type = def.type ?? 'string_t';
    if (def.is_array) {
      if (!Array.isArray(value)) {
        errors.push(`${path}: expected an array of ${type}`);
        return;
      }
      value.forEach((v, i) => {
        checkScalarOrObject(`${path}[${i}]`, type, v);
      });
      return;
    }
    checkScalarOrObject(path, type, value);
    if (def.enum && typeof value === 'number') {
      const entry = def.enum[String(value)];
      if (entry === undefined)
        errors.push(`${path}: ${value} is not in the enum (${Object.keys(def.enum).join(', ')})`);
    }
  };

  const checkScalarOrObject = (path: string, type: string, value: unknown): void => {
    if (type === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        errors.push(`${path}: expected an object`);
      return;
    }
    if (types[type] === undefined) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        errors.push(`${path}: expected a ${type} object`);
        return;
      }
      checkObject(path, objectDef(type), value as Json);
      return;
    }
    const chain = typeChain(type);
    const base = chain[chain.length - 1].type;
    switch (base) {
      case 'integer_t':
        if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) >= 2 ** 31) {
          errors.push(`${path}: ${JSON.stringify(value)} is not an integer_t`);
        }
        break;
      case 'long_t':
        if (!Number.isSafeInteger(value)) errors.push(`${path}: ${JSON.stringify(value)} is not a long_t`);
        break;
      case 'float_t':
        if (typeof value !== 'number') errors.push(`${path}: ${JSON.stringify(value)} is not a float_t`);
        break;
      case 'boolean_t':
        if (typeof value !== 'boolean') errors.push(`${path}: ${JSON.stringify(value)} is not a boolean_t`);
        break;
      case 'string_t':
        if (typeof value !== 'string') errors.push(`${path}: ${JSON.stringify(value)} is not a string (${type})`);
        break;
      default:
        break;
    }
    for (const t of chain) {
      if (t.range && typeof value === 'number' && (value < t.range[0] || value > t.range[1])) {
        errors.push(`${path}: ${value} is outside ${t.type}'s range ${t.range[0]}–${t.range[1]}`);
      }
      if (typeof value !== 'string') continue;
      if (t.max_len !== undefined && value.length > t.max_len) errors.push(`${path}: longer than ${t.max_len}`);
      const dashAllowed = options.allowDashInTypedStrings === true && value === '-';
      if (t.regex !== undefined && !dashAllowed && !new RegExp(t.regex).test(value)) {
        errors.push(`${path}: ${JSON.stringify(value)} is not a ${t.type}`);
      }
    }
  };

  const checkObject = (path: string, def: Definition, value: Json): void => {
    const prefix = path === '' ? '' : `${path}.`;
    for (const [name, attr] of def.attributes) {
      if (attr.requirement === 'required' && (value[name] === undefined || value[name] === null)) {
        errors.push(`${prefix}${name}: required`);
      }
    }
    for (const [name, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      const attr = def.attributes.get(name);
      if (attr === undefined) {
        const base = name.endsWith('_dt') ? def.attributes.get(name.slice(0, -3)) : undefined;
        if (base !== undefined && profiles.has('datetime') && base.type === 'timestamp_t') {
          checkValue(`${prefix}${name}`, { type: 'datetime_t' }, v);
        } else {
          errors.push(`${prefix}${name}: not an attribute of this ${path === '' ? 'class' : 'object'}`);
        }
        continue;
      }
      checkValue(`${prefix}${name}`, attr, v);
      if (attr.enum && attr.sibling && typeof v === 'number' && v !== 99) {
        const caption = attr.enum[String(v)]?.caption;
        const sibling = value[attr.sibling];
        if (caption !== undefined && sibling !== undefined && sibling !== null && sibling !== caption) {
          errors.push(
            `${prefix}${attr.sibling}: ${JSON.stringify(sibling)} is not the caption of ${name} ${v} (${caption})`,
          );
        }
      }
    }
    if (def.atLeastOne && !def.atLeastOne.some((n) => value[n] !== undefined && value[n] !== null)) {
      errors.push(`${path}: needs at least one of ${def.atLeastOne.join(', ')}`);
    }
  };

  checkObject('', cls, event);
  if (event.class_uid !== classUid) errors.push(`class_uid: ${event.class_uid} is not ${classUid}`);
  if (event.class_name !== undefined && event.class_name !== cls.json.caption) {
    errors.push(`class_name: ${JSON.stringify(event.class_name)} is not ${JSON.stringify(cls.json.caption)}`);
  }
  if (event.category_uid !== category.uid) errors.push(`category_uid: ${event.category_uid} is not ${category.uid}`);
  if (event.category_name !== undefined && event.category_name !== category.caption) {
    errors.push(`category_name: ${JSON.stringify(event.category_name)} is not ${JSON.stringify(category.caption)}`);
  }
  if (typeof event.activity_id === 'number' && event.type_uid !== classUid * 100 + event.activity_id) {
    errors.push(`type_uid: ${event.type_uid} is not class_uid × 100 + activity_id`);
  }
  return errors;
}

/** The JSON form of a record read back from Parquet (hyparquet): longs as numbers, dates as RFC 3339, no nulls. */
export function jsonFormOfRow(row: Record<string, unknown>): Json {
  return JSON.parse(
    JSON.stringify(row, (_key, v) => {
      if (typeof v === 'bigint') return Number(v);
      if (v === null) return undefined;
      return v;
    }),
  ) as Json;
}

/**
 * Every record of every OCSF file under `dir` (its `region=` folders), checked against the class; returns
 * how many were checked and the first errors found.
 */
export async function validateOcsfFiles(dir: string): Promise<{ records: number; errors: string[] }> {
  const { parquetReadObjects } = await import('hyparquet');
  const { PAGE_DECOMPRESSORS } = await import('../../src/decode/parquet-input.js');
  const { readdirSync, readFileSync } = await import('node:fs');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '_flowlake') walk(path);
      } else if (e.name.endsWith('.parquet')) files.push(path);
    }
  };
  walk(dir);
  let records = 0;
  const errors: string[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    const rows = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
      compressors: PAGE_DECOMPRESSORS,
    });
    for (const row of rows) {
      records++;
      if (errors.length < 10) {
        for (const e of validateNetworkActivity(jsonFormOfRow(row), { allowDashInTypedStrings: true })) {
          errors.push(`${file}: ${e}`);
        }
      }
    }
  }
  return { records, errors };
}
