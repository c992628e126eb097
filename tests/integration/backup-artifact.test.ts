// destination: artifact. The archive streams from the host to the runner's disk and is uploaded
// with @actions/artifact. GitHub's artifact service (its twirp API and the blob storage behind the
// signed URL) is stood in for by a local HTTP server that records what the client sends; the
// upload is then unzipped and checked against the manifest and the volume.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildTestImage, sandboxUnavailableReason, sh, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, newApp, onHost, removeApp, visibleLog, type TestApp } from '../support/deployKit.js';
import { backupAction, backupsOnHost, inVolume } from './backupKit.js';

const reason = sandboxUnavailableReason();

interface Uploaded {
  create?: Record<string, unknown>;
  finalize?: Record<string, unknown>;
  blocks: Map<string, Buffer>;
  blob?: Buffer;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** The artifact service as @actions/artifact talks to it: CreateArtifact, blob blocks, FinalizeArtifact. */
function artifactService(): Promise<{ server: Server; url: string; uploads: Uploaded[] }> {
  const uploads: Uploaded[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, 'http://x');
    const data = await body(req);
    const json = (status: number, o: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o));
    };
    if (url.pathname.endsWith('ArtifactService/CreateArtifact')) {
      const u: Uploaded = { create: JSON.parse(data.toString()), blocks: new Map() };
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
      if (comp === 'block') u.blocks.set(url.searchParams.get('blockid')!, data);
      else if (comp === 'blocklist') {
        const ids = [...data.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map((m) => m[1]!);
        u.blob = Buffer.concat(ids.map((id) => u.blocks.get(id)!));
      } else u.blob = data;
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
function unzip(zip: Buffer): Map<string, Buffer> {
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

function runtimeToken(): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: 'Actions.GenericRead Actions.Results:run-backend-1:job-backend-1' })}.sig`;
}

describe.skipIf(!!reason)(`backup to a workflow artifact${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  let app: TestApp;
  let service: Awaited<ReturnType<typeof artifactService>>;

  beforeAll(async () => {
    info = inject('sandbox')!;
    v1 = await buildTestImage(info, { repo: 'njord-test/backup', tag: 'v1', version: 'v1' });
    service = await artifactService();
    app = await newApp(info, 'bk-artifact');
    const d = await deploy(info, app, v1.ref);
    expect(d.exitCode, visibleLog(d)).toBe(0);
    inVolume(app, v1.ref, 'head -c 5000000 /dev/urandom > /data/blob.bin && echo hello > /data/hello.txt');
  });

  afterAll(() => {
    service?.server.close();
    if (app) removeApp(app);
  });

  const env = () => ({ ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: service.url });

  it('streams the archive to the runner and uploads it with the manifest, keeping a host copy too', async () => {
    const b = await backupAction(info, app, { destination: 'host, artifact', compression: 'gzip' }, { env: env() });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    expect(b.outputs['artifact-id']).toBe('4242');
    const u = service.uploads.at(-1)!;
    expect(u.create).toMatchObject({
      workflow_run_backend_id: 'run-backend-1',
      workflow_job_run_backend_id: 'job-backend-1',
      name: `${app.name}-backup-${id}`,
    });
    const files = unzip(u.blob!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual(JSON.parse(b.outputs.manifest!));
    const archive = manifest.archives[0];
    const bytes = files.get(archive.file)!;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(archive.sha256);
    expect(u.finalize).toMatchObject({ name: `${app.name}-backup-${id}`, size: String(u.blob!.length) });
    // The host copy is the same bytes, and complete.
    expect(onHost(`sha256sum < ${app.root}/backups/${id}/${archive.file} | cut -c1-64`)).toBe(archive.sha256);
    expect(backupsOnHost(app)).toContainEqual({ id, complete: true });
    // What reached the runner is the volume: listed with the runner's own tar.
    const copy = join(mkdtempSync(join(tmpdir(), 'njord-artifact-')), archive.file);
    writeFileSync(copy, bytes);
    const listing = sh(`tar -tzf ${copy}`);
    rmSync(dirname(copy), { recursive: true, force: true });
    expect(listing).toContain('./hello.txt');
    expect(b.summary).toContain(`uploaded artifact \`${app.name}-backup-${id}\``);
  });

  it('with destination artifact alone, keeps nothing on the host', async () => {
    const before = backupsOnHost(app);
    const b = await backupAction(info, app, { destination: 'artifact', compression: 'zstd' }, { env: env() });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const files = unzip(service.uploads.at(-1)!.blob!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest.archives[0].file).toMatch(/\.tar\.zst$/);
    expect(createHash('sha256').update(files.get(manifest.archives[0].file)!).digest('hex')).toBe(
      manifest.archives[0].sha256,
    );
    expect(backupsOnHost(app)).toEqual(before);
  });

  it('fails clearly without the Actions runtime, before touching the host', async () => {
    const before = backupsOnHost(app);
    const b = await backupAction(info, app, { destination: 'artifact' });
    expect(b.exitCode).toBe(1);
    expect(visibleLog(b)).toContain('destination artifact needs the GitHub Actions runtime');
    expect(visibleLog(b)).not.toContain('connected');
    expect(backupsOnHost(app)).toEqual(before);
  });
});
