// Reads manifests from a registry's HTTP API (distribution spec v2): the pushed digest is checked
// against what each tag resolves to there, and the image's size is read from its manifest.
// Auth: anonymous, Basic, or a Bearer token from the registry's realm (GHCR, Docker Hub), with the
// action's credentials. TLS trusts the public CAs plus the ones Docker trusts for that registry
// (/etc/docker/certs.d/<host>/*.crt). Loopback registries may be plain HTTP, as Docker allows.
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { registryApiHost } from './ImageName.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface Manifest {
  digest: string;
  mediaType: string;
  /** The manifest's bytes (GET only). */
  body?: Buffer;
}

export interface PlatformSize {
  /** linux/amd64, or '' for a single-platform manifest. */
  platform: string;
  /** Compressed bytes a pull downloads: config and layers. */
  bytes: number;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RegistryClientOptions {
  /** Where Docker keeps per-registry CAs (default /etc/docker/certs.d). */
  certsDir?: string;
  timeoutMs?: number;
}

const isLoopbackName = (host: string) => /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/.test(host);

/**
 * As Docker decides whether a registry may be plain HTTP: by where its name resolves. A name that
 * resolves only to loopback addresses (a registry reached through a local port) is this machine.
 */
async function resolvesToLoopback(host: string): Promise<boolean> {
  if (isLoopbackName(host)) return true;
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  try {
    const addrs = await lookup(name, { all: true });
    return addrs.length > 0 && addrs.every((a) => a.address === '::1' || /^127\./.test(a.address));
  } catch {
    return false;
  }
}

export class RegistryClient {
  private readonly host: string;
  private scheme: 'https' | 'http' = 'https';
  private authorization?: string;
  private readonly ca?: string[];
  /** Manifests by digest: content-addressed, so read once (tagging, then sizes). */
  private readonly byDigest = new Map<string, Manifest>();

  constructor(
    registry: string,
    private readonly credentials?: { username: string; password: string },
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.host = registryApiHost(registry);
    const extra = dockerTrustedCas(opts.certsDir ?? '/etc/docker/certs.d', registry);
    this.ca = extra.length ? [...rootCertificates, ...extra] : undefined;
  }

  /** The manifest `reference` (tag or digest) of repository `path`, or undefined when there is none. */
  async manifest(path: string, reference: string, method: 'HEAD' | 'GET' = 'HEAD'): Promise<Manifest | undefined> {
    const known = method === 'GET' ? this.byDigest.get(`${path}@${reference}`) : undefined;
    if (known) return known;
    const r = await this.authed(method, `/v2/${path}/manifests/${reference}`, `repository:${path}:pull`, {
      Accept: MANIFEST_TYPES.join(', '),
    });
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`${this.host} answered ${r.status} for ${path}:${reference}${detail(r)}`);
    const header = String(r.headers['docker-content-digest'] ?? '');
    const mediaType = String(r.headers['content-type'] ?? '').split(';')[0]!;
    if (method === 'HEAD') {
      // A registry need not send the digest on HEAD; then the body tells.
      if (/^sha256:[0-9a-f]{64}$/.test(header)) return { digest: header, mediaType };
      return this.manifest(path, reference, 'GET');
    }
    const digest = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
    if (header && header !== digest)
      throw new Error(`${this.host} sent ${path}:${reference} with digest ${header} but its bytes hash to ${digest}`);
    const m = { digest, mediaType, body: r.body };
    this.byDigest.set(`${path}@${digest}`, m);
    return m;
  }

  /**
   * Puts the manifest `digest` (already in the repository) under more tags: one request each, the
   * same bytes, so the same digest. In order, as a registry on plain files wants it.
   */
  async tag(path: string, digest: string, tags: readonly string[]): Promise<void> {
    const m = await this.manifest(path, digest, 'GET');
    if (!m?.body) throw new Error(`${this.host} has no manifest ${digest} in ${path}`);
    // A token got for reading cannot write: ask for one with push scope (some registries say 403).
    if (this.authorization?.startsWith('Bearer ')) this.authorization = undefined;
    for (const tag of tags) {
      const r = await this.authed(
        'PUT',
        `/v2/${path}/manifests/${tag}`,
        `repository:${path}:pull,push`,
        { 'Content-Type': m.mediaType },
        m.body,
      );
      if (r.status !== 201) throw new Error(`${this.host} answered ${r.status} to tagging ${path}:${tag}${detail(r)}`);
      const put = String(r.headers['docker-content-digest'] ?? digest);
      if (put !== digest) throw new Error(`${this.host} stored ${path}:${tag} as ${put}, not ${digest}`);
    }
  }

  /** Compressed size per platform of the image `digest` (attestation manifests left out). */
  async sizes(path: string, digest: string): Promise<PlatformSize[]> {
    const m = await this.manifest(path, digest, 'GET');
    if (!m?.body) return [];
    const doc = JSON.parse(m.body.toString('utf8')) as ManifestDoc;
    if (!doc.manifests) return [{ platform: '', bytes: imageBytes(doc) }];
    const out: PlatformSize[] = [];
    for (const child of doc.manifests) {
      const p = child.platform;
      if (!p || p.os === 'unknown' || child.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
        continue;
      const c = await this.manifest(path, child.digest, 'GET');
      if (!c?.body) continue;
      const platform = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
      out.push({ platform, bytes: imageBytes(JSON.parse(c.body.toString('utf8')) as ManifestDoc) });
    }
    return out;
  }

  private async authed(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<Reply> {
    const send = () =>
      this.send(method, path, this.authorization ? { ...headers, Authorization: this.authorization } : headers, body);
    let r = await send();
    if (r.status !== 401) return r;
    const challenge = parseChallenge(String(r.headers['www-authenticate'] ?? ''));
    if (!challenge) return r;
    if (challenge.scheme === 'basic') {
      if (!this.credentials) return r;
      this.authorization = `Basic ${basic(this.credentials)}`;
    } else {
      this.authorization = `Bearer ${await this.token(challenge.params, scope)}`;
    }
    r = await send();
    return r;
  }

  private async token(params: Record<string, string>, scope: string): Promise<string> {
    const realm = params.realm;
    if (!realm) throw new Error(`${this.host} asked for a token without saying where to get it`);
    const url = new URL(realm);
    if (params.service) url.searchParams.set('service', params.service);
    // Our scope, not the challenge's: a pull token's challenge may name pull where we now push.
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = this.credentials
      ? { Authorization: `Basic ${basic(this.credentials)}` }
      : {};
    const r = await this.fetch(url, 'GET', headers);
    if (r.status !== 200) throw new Error(`${url.host} refused a token for ${scope}: ${r.status}${detail(r)}`);
    const body = JSON.parse(r.body.toString('utf8')) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`${url.host} sent no token for ${scope}`);
    return token;
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
    const scheme = this.scheme;
    try {
      return await this.fetch(new URL(`${scheme}://${this.host}${path}`), method, headers, body);
    } catch (err) {
      // Docker talks plain HTTP to a loopback registry that has no TLS; so does this check.
      if (scheme === 'https' && isTlsMismatch(err) && (await this.isLoopback())) {
        this.scheme = 'http';
        return this.fetch(new URL(`http://${this.host}${path}`), method, headers, body);
      }
      throw err;
    }
  }

  private loopback?: Promise<boolean>;
  private isLoopback(): Promise<boolean> {
    this.loopback ??= resolvesToLoopback(this.host);
    return this.loopback;
  }

  private async fetch(url: URL, method: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
    // Credentials go only over TLS, or to this machine itself.
    if (
      url.protocol === 'http:' &&
      headers.Authorization &&
      !(await (url.host === this.host ? this.isLoopback() : resolvesToLoopback(url.host)))
    )
      throw new Error(`refusing to send credentials over plain HTTP to ${url.host}`);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          headers,
          timeout: this.opts.timeoutMs ?? 30_000,
          ...(url.protocol === 'https:' ? { ca: this.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${url.host} did not answer in time`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

interface ManifestDoc {
  config?: { size?: number };
  layers?: { size?: number }[];
  manifests?: {
    digest: string;
    platform?: { os?: string; architecture?: string; variant?: string };
    annotations?: Record<string, string>;
  }[];
}

function imageBytes(doc: ManifestDoc): number {
  return (doc.config?.size ?? 0) + (doc.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0);
}

function basic(c: { username: string; password: string }): string {
  return Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

function detail(r: Reply): string {
  const text = r.body.toString('utf8').trim().slice(0, 300);
  return text ? `: ${text}` : '';
}

/** `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenge(
  header: string,
): { scheme: 'basic' | 'bearer'; params: Record<string, string> } | undefined {
  const m = /^\s*(Basic|Bearer)\b(.*)$/i.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase() as 'basic' | 'bearer', params };
}

function isTlsMismatch(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    e?.code === 'EPROTO' || e?.code === 'ECONNRESET' || /wrong version number|packet length/i.test(String(e?.message))
  );
}

/** The CA certificates Docker trusts for `registry` (certs.d/<host>/*.crt), as PEM texts. */
export function dockerTrustedCas(certsDir: string, registry: string): string[] {
  const dir = join(certsDir, registry);
  if (!existsSync(dir)) return [];
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.crt'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8'));
  } catch {
    return [];
  }
}
