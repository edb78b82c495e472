/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 endpoint that injects the faults S3 clients meet in real life,
 * from a seeded schedule (the n-th request always gets the same decision): 503 SlowDown answers, GET bodies
 * cut mid-stream (the socket is destroyed after some of the bytes) and GET bodies that stall (some bytes, then
 * silence with the connection left open). It counts what it injected so tests can check faults happened.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FaultSchedule {
  readonly seed: number;
  /** Share of requests (any kind) answered 503 SlowDown, 0..1. */
  readonly slowDownRate?: number;
  /** Share of object GETs whose body is cut after some bytes, 0..1. */
  readonly cutRate?: number;
  /** Share of object GETs whose body stops after some bytes while the connection stays open, 0..1. */
  readonly stallRate?: number;
  /** Latency added to every request before it is forwarded (a far-away endpoint), in ms. */
  readonly delayMs?: number;
}

export interface FaultCounts {
  requests: number;
  objectGets: number;
  /** CreateMultipartUpload requests seen (faults or not): shows a test really went multipart. */
  multipartStarts: number;
  slowDowns: number;
  cuts: number;
  stalls: number;
  /** Object GETs being answered right now, and the most at any one time (shows reads overlapping). */
  objectGetsOpen: number;
  mostObjectGetsOpen: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use it as the S3 endpoint. */
  readonly endpoint: string;
  readonly counts: FaultCounts;
  /** Replaces the schedule (e.g. no faults while a test prepares its data). */
  setSchedule(schedule: FaultSchedule): void;
  /** Calls `listener` with each request as it arrives (before any fault), e.g. to abort a run at a point. */
  onRequest(listener: (method: string, url: string) => void): void;
  stop(): Promise<void>;
}

const SLOW_DOWN_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>' +
  '<RequestId>fault-proxy</RequestId></Error>';

/** mulberry32: small, fast, good enough to spread faults. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GET of an object (not a listing, not a bucket-level call). */
function isObjectGet(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  return /^\/[^/]+\/.+/.test(url.pathname) && !url.searchParams.has('list-type') && !url.searchParams.has('uploads');
}

interface Decision {
  readonly slowDown: boolean;
  readonly cut: boolean;
  readonly stall: boolean;
  /** Where in the body to cut or stall, as a share of its length. */
  readonly at: number;
}

export async function startFaultProxy(target: string, initial: FaultSchedule): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts: FaultCounts = {
    requests: 0,
    objectGets: 0,
    multipartStarts: 0,
    slowDowns: 0,
    cuts: 0,
    stalls: 0,
    objectGetsOpen: 0,
    mostObjectGetsOpen: 0,
  };
  const sockets = new Set<Socket>();
  let schedule = initial;
  let random = seededRandom(initial.seed);

  const decide = (): Decision => {
    // Always three draws per request, so the n-th request's fate does not depend on the kinds before it.
    const [a, b, c] = [random(), random(), random()];
    const slowDown = a < (schedule.slowDownRate ?? 0);
    const cut = b < (schedule.cutRate ?? 0);
    const stall = !cut && b < (schedule.cutRate ?? 0) + (schedule.stallRate ?? 0);
    return { slowDown, cut, stall, at: c };
  };

  const listeners: Array<(method: string, url: string) => void> = [];
  const server = createServer((req, res) => {
    counts.requests += 1;
    for (const listener of listeners) listener(req.method ?? '', req.url ?? '');
    const objectGet = isObjectGet(req);
    if (objectGet) {
      counts.objectGets += 1;
      counts.objectGetsOpen += 1;
      counts.mostObjectGetsOpen = Math.max(counts.mostObjectGetsOpen, counts.objectGetsOpen);
      res.once('close', () => {
        counts.objectGetsOpen -= 1;
      });
    }
    if (req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '')) counts.multipartStarts += 1;
    const decision = decide();
    const delay = schedule.delayMs ?? 0;
    if (delay > 0) setTimeout(() => answer(req, res, objectGet, decision), delay);
    else answer(req, res, objectGet, decision);
  });
  const answer = (req: IncomingMessage, res: ServerResponse, objectGet: boolean, decision: Decision) => {
    if (decision.slowDown) {
      counts.slowDowns += 1;
      req.resume();
      req.once('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN_XML) });
        res.end(SLOW_DOWN_XML);
      });
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => relay(answer, res, objectGet ? decision : undefined, counts),
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    onRequest(listener) {
      listeners.push(listener);
    },
    setSchedule(next) {
      schedule = next;
      random = seededRandom(next.seed);
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Passes the upstream answer on, cutting or stalling its body when the schedule says so. */
function relay(
  answer: IncomingMessage,
  res: ServerResponse,
  decision: Decision | undefined,
  counts: FaultCounts,
): void {
  const length = Number(answer.headers['content-length'] ?? Number.NaN);
  const status = answer.statusCode ?? 502;
  const faulty = decision && (decision.cut || decision.stall) && (status === 200 || status === 206) && length > 1;
  res.writeHead(status, answer.headers);
  if (!faulty) {
    answer.pipe(res);
    return;
  }
  // Between 1 and length-1 bytes get through, so the client always sees a partial body.
  const limit = 1 + Math.floor(decision.at * (length - 1));
  let sent = 0;
  answer.on('data', (chunk: Buffer) => {
    if (sent >= limit) return;
    const part = chunk.subarray(0, limit - sent);
    sent += part.length;
    if (sent < limit) {
      res.write(part);
      return;
    }
    answer.destroy();
    if (decision.cut) {
      counts.cuts += 1;
      res.write(part, () => res.socket?.destroy());
    } else {
      counts.stalls += 1;
      res.write(part); // and nothing more: the client's stall timer has to notice
    }
  });
}
