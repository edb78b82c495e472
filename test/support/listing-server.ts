/**
 * A tiny S3-compatible HTTP server that answers only ListObjectsV2 and GetObject, over a fixed map of keys to
 * bodies. It serves keys that real S3 allows and emulators tend to normalise away (`..`, `.`, empty segments,
 * backslashes, control characters), exactly as given: the request path is not resolved.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListingServer {
  readonly endpoint: string;
  /** Every key a GetObject asked for, in order. */
  readonly gets: string[];
  stop(): Promise<void>;
}

/** XML text with every character a key may hold: markup escaped, control characters as numeric references. */
function xmlText(text: string): string {
  return text.replace(/[&<>"'\x00-\x1f\x7f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

export async function startListingServer(bucket: string, objects: ReadonlyMap<string, Buffer>): Promise<ListingServer> {
  const etags = new Map([...objects].map(([key, body]) => [key, `"${createHash('md5').update(body).digest('hex')}"`]));
  const gets: string[] = [];

  const listing = (url: URL, res: ServerResponse) => {
    const prefix = url.searchParams.get('prefix') ?? '';
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const contents = keys
      .map(
        (key) =>
          `<Contents><Key>${xmlText(key)}</Key><LastModified>2020-02-01T00:00:00.000Z</LastModified>` +
          `<ETag>${xmlText(etags.get(key) ?? '')}</ETag><Size>${objects.get(key)?.length}</Size>` +
          '<StorageClass>STANDARD</StorageClass></Contents>',
      )
      .join('');
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name>` +
        `<Prefix>${xmlText(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
        `<IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
    );
  };

  const getObject = (key: string, req: IncomingMessage, res: ServerResponse) => {
    gets.push(key);
    const body = objects.get(key);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Key>${xmlText(key)}</Key></Error>`);
      return;
    }
    const etag = etags.get(key) ?? '';
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== etag) {
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code></Error>');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const part = body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': part.length,
      etag,
      'last-modified': 'Sat, 01 Feb 2020 00:00:00 GMT',
    };
    if (range) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(part);
  };

  const server = createServer((req, res) => {
    // Path-style: /<bucket>?list-type=2… or /<bucket>/<key>, the key percent-encoded by the client.
    const raw = req.url ?? '/';
    const query = raw.indexOf('?');
    const path = query === -1 ? raw : raw.slice(0, query);
    const url = new URL(`http://localhost/?${query === -1 ? '' : raw.slice(query + 1)}`);
    const bucketPath = `/${bucket}`;
    if (
      req.method === 'GET' &&
      (path === bucketPath || path === `${bucketPath}/`) &&
      url.searchParams.has('list-type')
    ) {
      listing(url, res);
    } else if ((req.method === 'GET' || req.method === 'HEAD') && path.startsWith(`${bucketPath}/`)) {
      getObject(decodeURIComponent(path.slice(bucketPath.length + 1)), req, res);
    } else {
      res.writeHead(501, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code></Error>');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    gets,
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
