// One HTTP check of one URL, directly or through a stream the caller opens (an SSH tunnel
// into the host, so http://127.0.0.1:8080 means the host's own loopback).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { StreamOpener } from './HealthCheck.js';

export interface ProbeExpectations {
  /** Accepted statuses; empty means any 2xx. */
  expectStatus: number[];
  /** A substring, or /regex/flags. */
  expectBody?: string;
  maxLatencyMs?: number;
  headers: Record<string, string>;
  requestTimeoutMs: number;
}

export interface ProbeResult {
  url: string;
  ok: boolean;
  status?: number;
  latencyMs: number;
  /** Why it did not pass, in a few words a person reads on the run page. */
  reason?: string;
  body?: string;
}

const MAX_BODY = 64 * 1024;

export class HttpProbe {
  constructor(private readonly open?: StreamOpener) {}

  async probe(rawUrl: string, exp: ProbeExpectations): Promise<ProbeResult> {
    const url = new URL(rawUrl);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const { status, body, location } = await this.request(url, exp);
      const latencyMs = elapsed();
      const statusOk = exp.expectStatus.length ? exp.expectStatus.includes(status) : status >= 200 && status < 300;
      let reason: string | undefined;
      if (!statusOk) reason = `HTTP ${status}${location ? ` (redirect to ${location})` : ''}`;
      else if (exp.expectBody !== undefined && !bodyMatches(body, exp.expectBody))
        reason = `body does not contain ${exp.expectBody}`;
      else if (exp.maxLatencyMs !== undefined && latencyMs > exp.maxLatencyMs)
        reason = `slow: ${latencyMs} ms > ${exp.maxLatencyMs} ms`;
      return { url: rawUrl, ok: !reason, status, latencyMs, reason, body: body.slice(0, 500) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const reason =
        e.code === 'ECONNREFUSED' || /ECONNREFUSED|Connection refused|open failed/i.test(e.message)
          ? 'connection refused'
          : e.message;
      return { url: rawUrl, ok: false, latencyMs: elapsed(), reason };
    }
  }

  private async request(
    url: URL,
    exp: ProbeExpectations,
  ): Promise<{ status: number; body: string; location?: string }> {
    const https = url.protocol === 'https:';
    if (!https && url.protocol !== 'http:') throw new Error(`unsupported URL scheme ${url.protocol}`);
    const port = Number(url.port || (https ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let socket: Duplex | undefined;
    if (this.open) {
      const raw = await this.open(host, port);
      socket = https ? tls.connect({ socket: raw, servername: host }) : raw;
    } else if (https) {
      socket = tls.connect({ host, port, servername: host });
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host,
          port,
          path: url.pathname + url.search,
          method: 'GET',
          headers: { 'user-agent': 'njord-deploy-health', connection: 'close', ...exp.headers },
          // With an agent (even agent: false, which makes a fresh one) Node connects with the agent's
          // own createConnection and ignores ours: the request would go to host:port on the runner.
          // No agent and our createConnection is the only way the request uses the tunnel.
          ...(socket ? { createConnection: () => socket as never } : { agent: false }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (d: Buffer) => {
            if (size < MAX_BODY) chunks.push(d);
            size += d.length;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              location: res.headers.location,
            }),
          );
          res.on('error', reject);
        },
      );
      // Our own timer: req.setTimeout calls socket.setTimeout, which an SSH channel does not have.
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${exp.requestTimeoutMs} ms`)),
        exp.requestTimeoutMs,
      );
      req.on('error', reject);
      req.on('close', () => clearTimeout(timer));
      req.end();
    }).finally(() => socket?.destroy()) as Promise<{ status: number; body: string; location?: string }>;
  }
}

export function bodyMatches(body: string, expect: string): boolean {
  const re = /^\/(.+)\/([gimsuy]*)$/.exec(expect);
  if (re) return new RegExp(re[1] as string, re[2]).test(body);
  return body.includes(expect);
}
