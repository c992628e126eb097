// A URL checked through a host is the host's own: http://127.0.0.1:PORT means the server's loopback,
// never the runner's. A decoy on the runner's 127.0.0.1:PORT answers the opposite of the app on the
// server; every action that checks URLs through a host must follow the server and never reach the
// decoy. Before the probe used its SSH tunnel, each of these passed or failed on the decoy's word.
import { spawnSync } from 'node:child_process';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { repoRoot, runAction } from '../harness/runAction.js';
import { buildTestImage, onServer, sh, type TestImage } from '../sandbox/Sandbox.js';
import { connectionInputs, deploy, served, visibleLog, writeCliConfig } from '../support/deployKit.js';
import { rollback } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

interface Decoy {
  hits: string[];
  close: () => Promise<void>;
}

/** A server on the runner's 127.0.0.1:port that answers every request with `status`, and counts them. */
async function decoy(port: number, status: number, tls?: { key: string; cert: string }): Promise<Decoy> {
  const hits: string[] = [];
  const handler = (req: { url?: string }, res: { writeHead: (s: number) => { end: (b: string) => void } }) => {
    hits.push(req.url ?? '');
    res.writeHead(status).end(`decoy on the runner: ${status}`);
  };
  const server: Server = tls ? createHttps(tls, handler) : createHttp(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { hits, close: () => new Promise((r) => server.close(() => r())) };
}

describeOnSandbox('the runner is not the server', () => {
  const info = sandboxInfo();
  let good: TestImage;
  let bad: TestImage;

  beforeAll(async () => {
    const repo = `njord-test/decoy-${process.pid}`;
    good = await versionImage(info, repo, 'good');
    bad = await buildTestImage(info, { repo, tag: 'bad', version: 'bad', healthy: false });
  });

  const { app, deployed } = suiteApps();

  it('deploy: the gate fails on the server whose app answers 404, though the runner answers 200', async () => {
    const a = await app('decoy-deploy');
    const d = await decoy(a.port, 200);
    try {
      const run = await deploy(info, a, bad.refByDigest, { 'health-timeout': '4' });
      expect(run.exitCode, visibleLog(run)).not.toBe(0);
      expect(run.outputs.status).toBe('failed');
      expect(visibleLog(run)).toContain('HTTP 404');
      expect(d.hits).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('health-gate through a host: fails on the server, passes nothing on the runner', async () => {
    const a = await deployed('decoy-gate', good.refByDigest);
    const d = await decoy(a.port, 200);
    try {
      // The app on the server stops; the runner's decoy still answers 200 on the same port.
      onServer(a.server, `docker stop -t 1 ${a.name}_web_1 >/dev/null`);
      const gate = await runAction('actions/health-gate', {
        ...connectionInputs(info),
        urls: `http://127.0.0.1:${a.port}/health`,
        timeout: '3',
        interval: '0.3',
      });
      expect(gate.exitCode, visibleLog(gate)).not.toBe(0);
      expect(gate.outputs.healthy).toBe('false');
      expect(visibleLog(gate)).toContain('connection refused');
      expect(d.hits).toEqual([]);
      // And directly from the runner (no hosts), the same URL is the decoy's: it passes.
      const direct = await runAction('actions/health-gate', {
        urls: `http://127.0.0.1:${a.port}/health`,
        timeout: '3',
        interval: '0.3',
        successes: '1',
      });
      expect(direct.exitCode, visibleLog(direct)).toBe(0);
      expect(d.hits.length).toBeGreaterThan(0);
    } finally {
      await d.close();
    }
  });

  it('rollback: the gate passes on the server, though the runner answers 503', async () => {
    const a = await app('decoy-rollback');
    for (const image of [good.refByDigest, good.ref]) {
      const r = await deploy(info, a, image);
      expect(r.exitCode, visibleLog(r)).toBe(0);
    }
    const d = await decoy(a.port, 503);
    try {
      const r = await rollback(info, a);
      expect(r.exitCode, visibleLog(r)).toBe(0);
      expect(r.outputs.status).toBe('rolled-back');
      expect(await served(a)).toBe('good');
      expect(d.hits).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('the CLI: its gate follows the server too', async () => {
    const a = await deployed('decoy-cli', good.refByDigest);
    const d = await decoy(a.port, 503);
    try {
      const config = writeCliConfig(info, a);
      const r = spawnSync(
        process.execPath,
        [
          join(repoRoot, 'dist/cli/index.js'),
          'health-gate',
          '--config',
          config,
          '--urls',
          `http://127.0.0.1:${a.port}/health`,
          '--successes',
          '2',
          '--interval',
          '0.3',
          '--timeout',
          '10',
        ],
        { cwd: a.workspace, encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(d.hits).toEqual([]);
    } finally {
      await d.close();
    }
  });

  it('https through the tunnel: TLS to the server, not to the runner', async () => {
    // A CA the runner trusts for this action only, and a certificate for 127.0.0.1 that both the
    // server and the decoy present: only where the request goes tells them apart.
    const tmp = mkdtempSync(join(tmpdir(), 'njord-decoy-tls-'));
    const server = info.server;
    const port = Number(sh(`shuf -i 20000-40000 -n 1`).trim());
    const dir = `/tmp/njord-tls-${process.pid}`;
    try {
      sh(
        [
          `cd ${tmp}`,
          `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=njord-test-ca -keyout ca.key -out ca.crt 2>/dev/null`,
          `openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout tls.key -out tls.csr 2>/dev/null`,
          `printf 'subjectAltName=IP:127.0.0.1\\n' > ext`,
          `openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out tls.crt 2>/dev/null`,
        ].join(' && '),
      );
      const key = readFileSync(join(tmp, 'tls.key'), 'utf8');
      const cert = readFileSync(join(tmp, 'tls.crt'), 'utf8');
      onServer(server, `mkdir -p ${dir} && cat > ${dir}/tls.key && chmod 600 ${dir}/tls.key`, { input: key });
      onServer(server, `cat > ${dir}/tls.crt && printf server-tls > ${dir}/health`, { input: cert });
      // openssl's -WWW serves files from its working directory: GET /health is the file 'health'.
      onServer(
        server,
        `cd ${dir} && setsid openssl s_server -quiet -WWW -accept 127.0.0.1:${port} -cert tls.crt -key tls.key >/dev/null 2>&1 </dev/null & echo $! > ${dir}/pid; sleep 0.5`,
      );
      const d = await decoy(port, 200, { key, cert });
      try {
        const gate = await runAction(
          'actions/health-gate',
          {
            ...connectionInputs(info),
            urls: `https://127.0.0.1:${port}/health`,
            'expect-body': 'server-tls',
            timeout: '10',
            interval: '0.3',
            successes: '2',
          },
          { env: { NODE_EXTRA_CA_CERTS: join(tmp, 'ca.crt') } },
        );
        expect(gate.exitCode, visibleLog(gate)).toBe(0);
        expect(d.hits).toEqual([]);
      } finally {
        await d.close();
      }
    } finally {
      onServer(server, `kill $(cat ${dir}/pid) 2>/dev/null; rm -rf ${dir}`);
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
