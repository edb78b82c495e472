import { type FlowsOptions, openFlows } from '../../src/query/index.js';

/** What a set of flows adds up to: equal digests mean the same rows, each the same number of times. */
export interface FlowsDigest {
  readonly rows: number;
  readonly bytes: string;
  readonly packets: string;
  /** Sum (not xor) of a hash of every row: a row counted twice changes it, rows in another order do not. */
  readonly rowHash: string;
}

/** The digest of the `flows` view over `src` (outputs read as they are, a stash through the cache). */
export async function flowsDigest(
  src: string,
  cache?: string,
  options: Partial<FlowsOptions> = {},
): Promise<FlowsDigest> {
  const session = await openFlows(src, { cache, ...options });
  try {
    const result = await session.query(
      `SELECT count(*) AS n, sum(bytes)::VARCHAR AS b, sum(packets)::VARCHAR AS p,
              sum(hash(account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status)::HUGEINT)::VARCHAR AS h
         FROM flows`,
      0,
    );
    const row = result.rows[0] as unknown as Record<string, unknown>;
    return { rows: Number(row.n), bytes: String(row.b), packets: String(row.p), rowHash: String(row.h) };
  } finally {
    await session.close();
  }
}
