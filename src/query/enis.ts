import { QueryInputError } from './errors.js';
import { readInputFile } from './input-file.js';

/** describe-network-interfaces output runs to about 2 KB an interface: room for 100,000 of them. */
const MAX_ENIS_BYTES = 256 * 2 ** 20;

/** One address of one interface, as `aws ec2 describe-network-interfaces` describes it. */
export interface EniAddress {
  readonly interface_id: string;
  readonly address: string | null;
  readonly instance_id: string | null;
  readonly name: string | null;
  readonly subnet_id: string | null;
  readonly vpc_id: string | null;
  readonly description: string | null;
}

interface RawInterface {
  NetworkInterfaceId?: unknown;
  Attachment?: { InstanceId?: unknown };
  SubnetId?: unknown;
  VpcId?: unknown;
  Description?: unknown;
  TagSet?: Array<{ Key?: unknown; Value?: unknown }>;
  PrivateIpAddresses?: Array<{ PrivateIpAddress?: unknown; Association?: { PublicIp?: unknown } }>;
  Ipv6Addresses?: Array<{ Ipv6Address?: unknown }>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Reads the JSON of `aws ec2 describe-network-interfaces` (`{"NetworkInterfaces": […]}`, or the array alone):
 * one row per address of each interface, so flows can be matched by interface id or by address.
 */
export async function readEnis(path: string): Promise<EniAddress[]> {
  const text = await readInputFile(path, 'interfaces file', MAX_ENIS_BYTES);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new QueryInputError(`${path}:${lineOf(text, err as Error)}: not JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { NetworkInterfaces?: unknown })?.NetworkInterfaces;
  if (!Array.isArray(list)) {
    throw new QueryInputError(
      `${path}: expected the output of aws ec2 describe-network-interfaces ({"NetworkInterfaces": [...]})`,
    );
  }
  const rows: EniAddress[] = [];
  list.forEach((raw: RawInterface, i) => {
    const id = str(raw?.NetworkInterfaceId);
    if (!id) throw new QueryInputError(`${path}: interface ${i + 1} has no NetworkInterfaceId`);
    const base = {
      interface_id: id,
      instance_id: str(raw.Attachment?.InstanceId),
      name: str(raw.TagSet?.find((t) => t?.Key === 'Name')?.Value),
      subnet_id: str(raw.SubnetId),
      vpc_id: str(raw.VpcId),
      description: str(raw.Description),
    };
    const addresses = [
      ...(raw.PrivateIpAddresses ?? []).flatMap((p) => [str(p?.PrivateIpAddress), str(p?.Association?.PublicIp)]),
      ...(raw.Ipv6Addresses ?? []).map((p) => str(p?.Ipv6Address)),
    ].filter((a): a is string => a !== null);
    if (addresses.length === 0) rows.push({ ...base, address: null });
    for (const address of addresses) rows.push({ ...base, address });
  });
  return rows;
}

/** The line of a JSON.parse error, from the position Node puts in its message. */
function lineOf(text: string, err: Error): number {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return 1;
  return text.slice(0, Number(m[1])).split('\n').length;
}
