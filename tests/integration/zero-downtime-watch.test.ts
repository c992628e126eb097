// Zero-downtime releases meeting the release watch, and two apps switched on one server, through
// the bundled actions on the sandbox, under a bounded load on the server: a release that trips a
// trigger in its watch goes back to the old containers (which served on beside it) without one
// failed request, watched through the proxy; one app's switches never touch the other's proxy.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAction } from '../harness/runAction.js';
import { buildWatchAppImage } from '../sandbox/WatchAppImage.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { rollbackInputs } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';
import { ensureProxyImage, removeProxy, startLoad, writeSlowApp } from '../support/zeroDowntimeKit.js';

describeOnSandbox('zero-downtime releases: the watch, and two apps on one server', () => {
  const info = sandboxInfo();
  const { app } = suiteApps();
  const made: TestApp[] = [];
  let ok: string;
  let failsLater: string;
  let proxyImage: string;

  beforeAll(async () => {
    proxyImage = await ensureProxyImage(info);
    ok = buildWatchAppImage(info, 'ok');
    failsLater = buildWatchAppImage(info, 'fails-after-5s');
  }, 10 * 60_000);
  afterAll(() => {
    for (const x of made) removeProxy(x.server, x.name);
  });

  /** An app whose web is switched without downtime (its worker in place), gated on /cgi-bin/health. */
  const zdApp = async (prefix: string) => {
    const a = await app(prefix);
    made.push(a);
    writeSlowApp(a.workspace, a.port);
    return a;
  };
  const inputs = (a: TestApp, extra: Record<string, string> = {}) => ({
    'zero-downtime': 'web',
    'drain-timeout': '5',
    'proxy-image': proxyImage,
    'health-url': `http://127.0.0.1:${a.port}/cgi-bin/health`,
    ...extra,
  });
  const running = (a: TestApp, service: string) =>
    onHost(
      `docker ps --filter label=com.docker.compose.project=${a.name} --filter label=com.docker.compose.service=${service} --format '{{.Image}}'`,
    )
      .trim()
      .split('\n')
      .filter(Boolean);

  it(
    'a release that trips a trigger in its watch goes back without one failed request, watched through the proxy',
    async () => {
      const a = await zdApp('zdw');
      const first = await deploy(info, a, ok, inputs(a));
      expect(first.outputs.status, visibleLog(first)).toBe('deployed');
      const load = startLoad(a.server, a.port, a.name, 120, false, '/health');
      let bad: Awaited<ReturnType<typeof deploy>>;
      try {
        bad = await deploy(
          info,
          a,
          failsLater,
          inputs(a, { watch: '15s', 'rollback-triggers': 'health_check: { consecutive_failures: 3 }' }),
        );
      } finally {
        const counts = load.stop();
        console.log(`[zero-downtime watch] load: ${JSON.stringify({ ...counts, failed: counts.failed.slice(0, 5) })}`);
        expect(counts.failed).toEqual([]);
        expect(counts.fast).toBeGreaterThan(100);
        // The release took traffic during its watch, and the previous one took it back.
        expect(counts.versions['fails-after-5s']).toBeGreaterThan(0);
        expect(counts.versions.ok).toBeGreaterThan(0);
      }
      expect(bad!.exitCode, visibleLog(bad!)).toBe(1);
      expect(bad!.outputs.status).toBe('rolled-back');
      expect(bad!.outputs.release).toBe(first.outputs.release);
      expect(visibleLog(bad!)).toContain(
        'rollback trigger health_check.consecutive_failures: 3 ≥ 3 failed checks in a row',
      );
      expect(visibleLog(bad!)).toContain(`traffic is back on ${first.outputs.release}`);
      expect(currentOnHost(a)).toBe(first.outputs.release);
      expect(await served(a)).toBe('ok');
      // One web container (the old one, never stopped), the worker back on the previous release's image.
      expect(running(a, 'web')).toEqual([expect.stringMatching(/:ok$/)]);
      expect(running(a, 'worker')).toEqual([expect.stringMatching(/:ok$/)]);
      // The watch's probes went through the proxy: it logs njord's probes, and only those.
      const probes = onHost(
        `docker logs njord-proxy-${a.name} 2>&1 | grep -c 'GET /cgi-bin/health .*njord-deploy-health' || true`,
      );
      expect(Number(probes)).toBeGreaterThanOrEqual(3);
    },
    5 * 60_000,
  );

  it(
    'two apps on one server: deploying and rolling back one never fails a request of the other, nor touches its proxy',
    async () => {
      const a = await zdApp('zda');
      const b = await zdApp('zdb');
      for (const x of [b, a]) {
        const run = await deploy(info, x, ok, inputs(x));
        expect(run.outputs.status, visibleLog(run)).toBe('deployed');
      }
      const proxyOf = (x: TestApp) =>
        onHost(
          `docker inspect --format '{{.Id}} {{.State.StartedAt}}' njord-proxy-${x.name}; sha256sum ${x.root}/proxy/nginx.conf | cut -d' ' -f1`,
        );
      const bBefore = proxyOf(b);
      const r1 = currentOnHost(a);
      const load = startLoad(b.server, b.port, b.name, 120, false, '/health');
      try {
        const second = await deploy(info, a, failsLater, inputs(a));
        expect(second.outputs.status, visibleLog(second)).toBe('deployed');
        expect(await served(a)).toBe('fails-after-5s');
        const back = await runAction('actions/rollback', rollbackInputs(info, a, { to: r1! }), {
          workspace: a.workspace,
        });
        expect(back.outputs.status, visibleLog(back)).toBe('rolled-back');
        expect(await served(a)).toBe('ok');
      } finally {
        const counts = load.stop();
        expect(counts.failed).toEqual([]);
        expect(counts.versions.ok).toBeGreaterThan(50);
        expect(Object.keys(counts.versions)).toEqual(['ok']);
      }
      expect(proxyOf(b)).toBe(bBefore);
      expect(await served(b)).toBe('ok');
    },
    5 * 60_000,
  );
});
