// A local stand-in for the part of GitHub's REST API that deployments use (the only stand-in the
// project allows): it records every request (method, path, headers, body) and answers as GitHub
// does, including GitHub's own auto_inactive rule, so a test can check both the calls and what the
// repository's Environments page would show.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** Path with the query, as sent: /repos/acme/shop/deployments?environment=production */
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  /** When it arrived (Date.now()), to order it against what happened on a host. */
  at: number;
}

export interface StoredDeployment {
  id: number;
  sha: string;
  environment: string;
  task: string;
  description: string;
  payload: unknown;
  production: boolean;
  transient: boolean;
  /** Oldest first. */
  statuses: { id: number; state: string; environment_url?: string; log_url?: string; description?: string }[];
}

export interface GithubApiOptions {
  /** The token requests must carry (Authorization: Bearer …); others get 401. */
  token: string;
  /** 'deny': every call answers 403 "Resource not accessible by integration", as for a token without deployments: write. */
  scenario?: 'ok' | 'deny';
  /** Each answer waits this long, as GitHub's API does from a runner (benchmarks). */
  latencyMs?: number;
}

export interface GithubApi {
  /** http://127.0.0.1:PORT, for GITHUB_API_URL. */
  url: string;
  calls: RecordedCall[];
  deployments: StoredDeployment[];
  /** The deployments whose newest status is success: what GitHub shows as active. */
  active(environment: string): StoredDeployment[];
  /** "POST /repos/acme/shop/deployments/1/statuses in_progress"-style lines, for order checks. */
  trace(): string[];
  close(): Promise<void>;
}

export async function startGithubApi(opts: GithubApiOptions): Promise<GithubApi> {
  const calls: RecordedCall[] = [];
  const deployments: StoredDeployment[] = [];
  let statusIds = 1000;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        body = { unparsable: text };
      }
      const path = req.url ?? '/';
      calls.push({ method: req.method ?? '', path, headers: req.headers, body, at: Date.now() });
      const send = (status: number, json: unknown) => {
        setTimeout(() => {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(json));
        }, opts.latencyMs ?? 0);
      };
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { message: 'Bad credentials' });
      if (opts.scenario === 'deny') return send(403, { message: 'Resource not accessible by integration' });

      const url = new URL(path, 'http://x');
      const m = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+)(\/statuses)?)?$/.exec(url.pathname);
      if (!m) return send(404, { message: 'Not Found' });
      const id = m[3] ? Number(m[3]) : undefined;
      const limit = Number(url.searchParams.get('per_page') ?? 30);

      if (id === undefined && req.method === 'POST') {
        const b = body ?? {};
        if (typeof b.ref !== 'string' || !b.ref) return send(422, { message: 'Invalid request: ref is missing' });
        const environment = String(b.environment ?? 'production');
        const d: StoredDeployment = {
          id: deployments.length + 1,
          sha: b.ref,
          environment,
          task: String(b.task ?? 'deploy'),
          description: String(b.description ?? ''),
          payload: b.payload,
          production:
            typeof b.production_environment === 'boolean' ? b.production_environment : environment === 'production',
          transient: b.transient_environment === true,
          statuses: [],
        };
        deployments.push(d);
        return send(201, { id: d.id, sha: d.sha, ref: d.sha, environment, task: d.task });
      }
      if (id === undefined && req.method === 'GET') {
        const env = url.searchParams.get('environment');
        const list = deployments.filter((d) => !env || d.environment === env).reverse();
        return send(
          200,
          list.slice(0, limit).map((d) => ({ id: d.id, sha: d.sha, environment: d.environment })),
        );
      }
      const d = deployments.find((x) => x.id === id);
      if (!d || !m[4]) return send(404, { message: 'Not Found' });
      if (req.method === 'GET') return send(200, [...d.statuses].reverse().slice(0, limit));
      if (req.method !== 'POST') return send(404, { message: 'Not Found' });
      const b = body ?? {};
      const state = String(b.state ?? '');
      if (!['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'].includes(state))
        return send(422, { message: `Invalid request: state '${state}'` });
      const status = {
        id: ++statusIds,
        state,
        environment_url: b.environment_url as string | undefined,
        log_url: b.log_url as string | undefined,
        description: b.description as string | undefined,
      };
      d.statuses.push(status);
      // GitHub's rule: a success marks earlier successful deployments of the same environment
      // inactive, unless auto_inactive is false, and only for non-transient, non-production ones.
      if (state === 'success' && b.auto_inactive !== false)
        for (const other of deployments)
          if (
            other !== d &&
            other.environment === d.environment &&
            !other.production &&
            !other.transient &&
            other.statuses.at(-1)?.state === 'success'
          )
            other.statuses.push({ id: ++statusIds, state: 'inactive' });
      return send(201, status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    deployments,
    active: (environment) =>
      deployments.filter((d) => d.environment === environment && d.statuses.at(-1)?.state === 'success'),
    trace: () =>
      calls.map((c) => `${c.method} ${c.path}${typeof c.body?.state === 'string' ? ` ${c.body.state}` : ''}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
