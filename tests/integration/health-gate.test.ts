// The health-gate action through its bundle, against an HTTP server in this test that answers the
// way services misbehave: 503 while starting, slow, the wrong body, a redirect, nobody listening;
// and through an SSH tunnel into the sandbox host, against a server on that host's own loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../harness/runAction.js';
import { freePort, onServer, sandboxUnavailableReason } from '../sandbox/Sandbox.js';
import { connectionInputs, visibleLog } from '../support/deployKit.js';
import { sandboxInfo } from '../support/sandboxSuite.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server on 127.0.0.1 whose n-th request (from 1) is answered by `handler`; returns its /health URL. */
async function serve(handler: Handler): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, requests };
}

/**
 * A server on the loopback of the sandbox `server` (busybox httpd with a CGI, as the host has no
 * node): its first request gets 503, the rest 200 'ok'. What the gate sees through a host is the
 * host's 127.0.0.1, so this is the only place such a URL may be served.
 */
function serveOnServer(server: string): { url: string; requests: () => number; stop: () => void } {
  const dir = `/tmp/njord-gate-${process.pid}-${Date.now()}`;
  const cgi = [
    '#!/bin/sh',
    `n=$(( $(cat ${dir}/count 2>/dev/null || echo 0) + 1 ))`,
    `echo "$n" > ${dir}/count`,
    'if [ "$n" -eq 1 ]; then',
    "  printf 'HTTP/1.0 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nstarting'",
    'else',
    "  printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok'",
    'fi',
    '',
  ].join('\n');
  onServer(server, `mkdir -p ${dir}/cgi-bin && cat > ${dir}/cgi-bin/health && chmod 755 ${dir}/cgi-bin/health`, {
    input: cgi,
  });
  const started = onServer(
    server,
    [
      // A port nothing on the server listens on.
      'for i in $(seq 50); do',
      '  port=$((20000 + RANDOM % 30000))',
      '  [ -z "$(ss -ltnH "sport = :$port")" ] && break',
      'done',
      `busybox httpd -f -p "127.0.0.1:$port" -h ${dir} </dev/null >/dev/null 2>&1 &`,
      'pid=$!',
      'for i in $(seq 100); do [ -n "$(ss -ltnH "sport = :$port")" ] && break; sleep 0.05; done',
      '[ -n "$(ss -ltnH "sport = :$port")" ] || { echo "busybox httpd is not listening on $port" >&2; exit 1; }',
      'echo "$port $pid"',
    ].join('\n'),
  ).trim();
  const [port, pid] = started.split(' ');
  return {
    url: `http://127.0.0.1:${port}/cgi-bin/health`,
    requests: () => Number(onServer(server, `cat ${dir}/count 2>/dev/null || echo 0`).trim()),
    stop: () => void onServer(server, `kill ${pid} 2>/dev/null; rm -rf ${dir}`),
  };
}

const answer = (res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(body);
};

function gate(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction('actions/health-gate', { interval: '0.1', timeout: '5', ...inputs });
}

const errorOf = (run: ActionRun) => run.annotations.find((a) => a.kind === 'error')?.message ?? '';

describe('health-gate action', () => {
  it('waits through 503s until two 200s in a row, and shows the attempts as a timeline', async () => {
    const { url } = await serve((_q, res, n) => (n <= 3 ? answer(res, 503, 'starting') : answer(res, 200, 'ok')));
    const run = await gate({ urls: url });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(run.outputs).toMatchObject({ healthy: 'true', attempts: '5', 'last-status': '200' });
    expect(Number(run.outputs['time-to-healthy-ms'])).toBeGreaterThanOrEqual(400);
    expect(run.summary).toContain('Health gate: healthy in');
    expect(run.summary).toContain('**this runner** timeline: ✗✗✗✓✓');
    expect(run.summary).toMatch(
      /\| 1 \| \+\d+ ms \| http:\/\/127\.0\.0\.1:\d+\/health \| 503 \| \d+ ms \| ✗ HTTP 503 \|/,
    );
    expect(run.summary).toMatch(/\| 5 \| \+\d+ ms \| \S+ \| 200 \| \d+ ms \| ✓ \|/);
  });

  it('fails answers slower than max-latency-ms, naming the latency', async () => {
    const { url } = await serve((_q, res) => setTimeout(() => answer(res, 200, 'ok'), 400));
    const run = await gate({ urls: url, 'max-latency-ms': '150', timeout: '2', interval: '0.2' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ healthy: 'false', 'time-to-healthy-ms': '', 'last-status': '200' });
    expect(errorOf(run)).toMatch(
      /Not healthy: this runner: not healthy after \d+\.\d s \(\d+ checks, timeout 2\.0 s\): .*(the last answer: )?\S+ → slow: \d{3} ms > 150 ms$/,
    );
  });

  it('checks the body: a substring, or a /regular expression/', async () => {
    const { url } = await serve((_q, res) => answer(res, 200, 'status: starting'));
    const wrong = await gate({ urls: url, 'expect-body': 'ready', timeout: '1' });
    expect(wrong.exitCode).toBe(1);
    expect(errorOf(wrong)).toContain('body does not contain ready');

    const versioned = await serve((_q, res) => answer(res, 200, 'ok v42\n'));
    const right = await gate({ urls: versioned.url, 'expect-body': '/^ok v\\d+$/m' });
    expect(right.exitCode, visibleLog(right)).toBe(0);
    expect(right.outputs.healthy).toBe('true');
  });

  it('says connection refused when nothing listens', async () => {
    const port = await freePort();
    const run = await gate({ urls: `http://127.0.0.1:${port}/health`, timeout: '1' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ healthy: 'false', 'last-status': '' });
    expect(errorOf(run)).toContain('connection refused');
    expect(run.summary).toContain('✗ connection refused');
  });

  it('does not count a redirect as healthy unless expected, and names where it points', async () => {
    const { url } = await serve((_q, res) => answer(res, 302, '', { location: '/login?next=%2Fhealth' }));
    const run = await gate({ urls: url, timeout: '1' });
    expect(run.exitCode).toBe(1);
    expect(run.outputs['last-status']).toBe('302');
    expect(errorOf(run)).toContain('HTTP 302 (redirect to /login?next=%2Fhealth)');

    const expected = await gate({ urls: url, 'expect-status': '302' });
    expect(expected.exitCode, visibleLog(expected)).toBe(0);
  });

  it('sends the headers, masking their values', async () => {
    const token = `Bearer tok-${Date.now().toString(36)}`;
    const { url, requests } = await serve((req, res) =>
      answer(res, req.headers.authorization === token && req.headers.host === 'shop.example' ? 200 : 401),
    );
    const run = await gate({ urls: url, headers: `Authorization: ${token}\nHost: shop.example` });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(requests.length).toBe(2);
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(visibleLog(run)).not.toContain(token);
    expect(run.summary).not.toContain(token);
  });

  it('names the input to fix, before any check', async () => {
    const { url, requests } = await serve((_q, res) => answer(res, 200));
    const cases: [Record<string, string>, RegExp][] = [
      [{ urls: '' }, /Input 'urls': is required/],
      [
        { urls: 'ftp://x/health' },
        /Input 'urls': 'ftp:\/\/x\/health' has the scheme ftp:\/\/, which njord cannot check: use http:\/\/, https:\/\/, tcp:\/\/ or exec:\/\//,
      ],
      [
        { urls: url, 'expect-body': '/(unclosed/' },
        /Input 'expect-body': \/\(unclosed\/ is not a valid regular expression/,
      ],
      [{ urls: url, 'expect-status': '2xx' }, /Input 'expect-status': '2xx' is not an HTTP status code/],
      [{ urls: url, headers: 'no colon' }, /Input 'headers': 'no colon' is not 'Name: value'/],
      [{ urls: url, 'ssh-key': 'x' }, /Input 'hosts': is required when ssh-key is given/],
      [{ urls: url, interval: 'often' }, /Input 'interval': 'often' is not a duration/],
    ];
    for (const [inputs, message] of cases) {
      const run = await gate(inputs);
      expect(run.exitCode).toBe(1);
      expect(errorOf(run)).toMatch(message);
      // The run page says so too, not only the annotation.
      expect(run.summary).toContain('## ❌ Health gate: failed: bad input (nothing changed)');
      expect(run.summary).toMatch(message);
    }
    expect(requests).toHaveLength(0);
  });

  const reason = sandboxUnavailableReason();
  describe.skipIf(!!reason)(`through an SSH tunnel${reason ? ` (skipped: ${reason})` : ''}`, () => {
    it('checks the URL as the host sees it, and refuses a host whose key is not the known one', async () => {
      const info = sandboxInfo();
      const host = serveOnServer(info.server);
      try {
        const { url } = host;
        const run = await gate({ urls: url, ...connectionInputs(info) });
        expect(run.exitCode, visibleLog(run)).toBe(0);
        expect(run.outputs).toMatchObject({ healthy: 'true', attempts: '3' });
        expect(run.stdout).toContain(`${info.hostSpec}: health attempt 1: ${url} → HTTP 503`);
        expect(run.summary).toContain(`| \`${info.hostSpec}\` | yes | 3 |`);
        // Every attempt reached the server on the host's loopback.
        expect(host.requests()).toBe(3);

        const wrongKey = info.knownHosts.replace(
          /ssh-ed25519 \S+/,
          'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm5dnlSmIoKc3CN2FJxyGSnRgHrtvKmpUbRGGw1txW1',
        );
        const refused = await gate({ urls: url, ...connectionInputs(info), 'known-hosts': wrongKey });
        expect(refused.exitCode).toBe(1);
        expect(errorOf(refused)).toMatch(/Input 'known-hosts': .* offered host key SHA256:\S+, which is not listed/);
        expect(host.requests()).toBe(3);
      } finally {
        host.stop();
      }
    });
  });
});
