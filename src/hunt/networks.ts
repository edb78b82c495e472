/**
 * Address ranges and port sets the hunts are built on: one list each, from which both the DuckDB macros and the
 * Athena (Trino) expressions are generated.
 */

/** Private, shared (CGNAT), link-local and loopback ranges: an address inside one is not on the internet. */
export const PRIVATE_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
] as const;

/** Neither private nor routable on the internet: unspecified, multicast, reserved and broadcast. */
export const NON_ROUTABLE_NETWORKS = ['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '::/128', 'ff00::/8'] as const;

/**
 * Mining-pool ports: the union of Falco's `miner_ports` macro and Panther's `CRYPTO_MINING_PORTS` list.
 * `WEAK_MINING_PORTS` are the ones ordinary services use as well (web proxies, dev servers, Bitcoin nodes behind
 * proxies): a hit there counts for less.
 */
export const MINING_PORTS = [
  3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588, 5730, 6099, 6641, 6642, 6666, 7777, 7778, 8000, 8001, 8008,
  8080, 8118, 8333, 8888, 8899, 9332, 9999, 10300, 10343, 14433, 14444, 18080, 18081, 45560, 45700,
] as const;

export const WEAK_MINING_PORTS = [8000, 8001, 8008, 8080, 8118, 8888, 8899] as const;

/** Administration and database services that should never answer the internet, by port. */
export const EXPOSED_SERVICES: Readonly<Record<number, string>> = {
  22: 'ssh',
  23: 'telnet',
  135: 'msrpc',
  139: 'netbios',
  445: 'smb',
  1433: 'mssql',
  1521: 'oracle',
  2375: 'docker',
  2379: 'etcd',
  3306: 'mysql',
  3389: 'rdp',
  5432: 'postgresql',
  5601: 'kibana',
  5900: 'vnc',
  5984: 'couchdb',
  6379: 'redis',
  9200: 'elasticsearch',
  9300: 'elasticsearch',
  11211: 'memcached',
  27017: 'mongodb',
};

export const EXPOSED_PORTS: readonly number[] = Object.keys(EXPOSED_SERVICES).map(Number);
