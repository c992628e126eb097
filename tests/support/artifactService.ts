// A loopback stand-in of GitHub's artifact service, for the backup tests and benchmarks that upload
// to destination artifact, and readers of what was uploaded (the zip, the runtime token).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';

export interface Uploaded {
  create?: Record<string, unknown>;
  finalize?: Record<string, unknown>;
  blocks: Map<string, Buffer>;
  /** The uploaded zip (when kept). */
  blob?: Buffer;
  /** Bytes received for blob blocks. */
  received: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/**
 * GitHub's artifact service as @actions/artifact talks to it (twirp CreateArtifact and
 * FinalizeArtifact, and Azure blob blocks behind the signed URL), on loopback. With keep false the
 * blocks are only counted (the benchmark's gigabyte stays out of memory).
 */
export function artifactService(keep = true): Promise<{ server: Server; url: string; uploads: Uploaded[] }> {
  const uploads: Uploaded[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const data = await readBody(req);
    const json = (status: number, o: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (url.pathname.endsWith('ArtifactService/CreateArtifact')) {
      const u: Uploaded = { create: JSON.parse(data.toString()), blocks: new Map(), received: 0 };
      uploads.push(u);
      const addr = server.address() as { port: number };
      return json(200, {
        ok: true,
        signedUploadUrl: `http://127.0.0.1:${addr.port}/blob/${uploads.length - 1}?sig=stand-in-signature`,
      });
    }
    if (url.pathname.endsWith('ArtifactService/FinalizeArtifact')) {
      uploads.at(-1)!.finalize = JSON.parse(data.toString());
      return json(200, { ok: true, artifactId: '4242' });
    }
    if (url.pathname.startsWith('/blob/') && req.method === 'PUT') {
      const u = uploads[Number(url.pathname.split('/')[2])]!;
      const comp = url.searchParams.get('comp');
      u.received += comp === 'blocklist' ? 0 : data.length;
      if (comp === 'block') {
        if (keep) u.blocks.set(url.searchParams.get('blockid')!, data);
      } else if (comp === 'blocklist') {
        if (!keep) return res.writeHead(201).end();
        const ids = [...data.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map((m) => m[1]!);
        u.blob = Buffer.concat(ids.map((id) => u.blocks.get(id)!));
      } else if (keep) u.blob = data;
      res.writeHead(201, { etag: '"0x1"', 'x-ms-request-id': 'stand-in', 'last-modified': new Date().toUTCString() });
      return res.end();
    }
    json(404, { msg: `not stood in for: ${req.method} ${url.pathname}` });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, uploads }),
    ),
  );
}

/** The entries of a zip file (stored or deflated), read from its central directory. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (; count > 0; count--) {
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString();
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + csize);
    out.set(name, method === 0 ? Buffer.from(raw) : inflateRawSync(raw));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

export function runtimeToken(): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: 'Actions.GenericRead Actions.Results:run-backend-1:job-backend-1' })}.sig`;
}

/**
 * The stand-in for one suite: started before it and closed after it. `env` is what points an
 * action's upload at it (the runtime token and results URL the runner would give).
 */
export function suiteArtifactService(): { uploads: () => Uploaded[]; env: () => Record<string, string> } {
  let service: Awaited<ReturnType<typeof artifactService>> | undefined;
  beforeAll(async () => {
    service = await artifactService();
  });
  afterAll(() => service?.server.close());
  return {
    uploads: () => service!.uploads,
    env: () => ({ ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: service!.url }),
  };
}
