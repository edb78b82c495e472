/** A flow record with the Parquet names of the v2 default format. */
export interface FixtureFlow {
  interface_id: string;
  srcaddr: string | null;
  dstaddr: string | null;
  srcport: number | null;
  dstport: number | null;
  protocol: number | null;
  packets: number | null;
  bytes: number | null;
  start: number;
  end: number;
  action: string | null;
  log_status: string;
}

export const MINER = { eni: 'eni-0miner0000000001', address: '10.0.1.5', pool: '198.51.100.7' };
export const T0 = 1_580_515_200; // 2020-02-01T00:00:00Z
const HOURS = 12;

/** A small deterministic estate: background traffic, a steady miner, a gap and lost records. */
export function fixtureFlows(): FixtureFlow[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const enis = ['eni-0aaaaaaaaaaaaaaa1', 'eni-0bbbbbbbbbbbbbbb2', 'eni-0ccccccccccccccc3'];
  const locals = ['10.0.2.10', '10.0.2.11', '10.0.3.12'];
  const flows: FixtureFlow[] = [];
  const flow = (f: Partial<FixtureFlow> & Pick<FixtureFlow, 'interface_id' | 'start'>): FixtureFlow => ({
    srcaddr: null,
    dstaddr: null,
    srcport: null,
    dstport: null,
    protocol: null,
    packets: null,
    bytes: null,
    end: f.start + 60,
    action: null,
    log_status: 'OK',
    ...f,
  });
  for (let i = 0; i < 3000; i++) {
    const e = Math.floor(next() * enis.length);
    const start = T0 + Math.floor(next() * HOURS * 3600);
    // Interface 3 delivers nothing between hours 4 and 6.
    if (e === 2 && start >= T0 + 4 * 3600 && start < T0 + 6 * 3600) continue;
    const inbound = next() < 0.5;
    const remote = `${pick([34, 52, 104])}.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}.${1 + Math.floor(next() * 250)}`;
    const packets = 1 + Math.floor(next() * 500);
    flows.push(
      flow({
        interface_id: enis[e],
        srcaddr: inbound ? remote : locals[e],
        dstaddr: inbound ? locals[e] : remote,
        srcport: 32768 + Math.floor(next() * 30000),
        dstport: pick([443, 443, 80, 53, 123]),
        protocol: 6,
        packets,
        bytes: packets * (40 + Math.floor(next() * 1400)),
        start,
        action: next() < 0.1 ? 'REJECT' : 'ACCEPT',
      }),
    );
  }
  for (let h = 0; h < HOURS; h++) {
    flows.push(
      flow({ interface_id: enis[1], start: T0 + h * 3600 + 1800, log_status: h === 7 ? 'SKIPDATA' : 'NODATA' }),
    );
  }
  // The miner: small, steady flows to one pool every five minutes for the whole span.
  for (let start = T0 + 120; start < T0 + HOURS * 3600; start += 300) {
    flows.push(
      flow({
        interface_id: MINER.eni,
        srcaddr: MINER.address,
        dstaddr: MINER.pool,
        srcport: 40_000,
        dstport: 3333,
        protocol: 6,
        packets: 12,
        bytes: 1800,
        start,
        action: 'ACCEPT',
      }),
    );
  }
  return flows;
}
