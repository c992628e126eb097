// Zero-downtime releases on the sandbox, through the bundled actions, under load on the server:
// fast requests and 2-second requests always in flight while v1, v2, a release failing its gate, a
// rollback by hand and v2 again go out. Not one request may fail, and the failing release may
// never answer one. Compose v1 (the sandbox's default user).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAction } from '../harness/runAction.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost } from '../support/hostState.js';
import { rollbackInputs } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';
import { buildSlowApp, ensureProxyImage, removeProxy, startLoad, writeSlowApp } from '../support/zeroDowntimeKit.js';

describeOnSandbox('zero-downtime releases', () => {
  const info = sandboxInfo();
  const { app } = suiteApps();
  const repo = `njord-test/zd-${process.pid}`;
  let images: Record<'v1' | 'v2' | 'broken', string>;
  let proxyImage: string;
  let a: TestApp | undefined;
  let b: TestApp | undefined;

  beforeAll(async () => {
    proxyImage = await ensureProxyImage(info);
    images = {
      v1: buildSlowApp(info, repo, 'v1'),
      v2: buildSlowApp(info, repo, 'v2'),
      broken: buildSlowApp(info, repo, 'broken', false),
    };
  }, 20 * 60_000);
  afterAll(() => {
    for (const x of [a, b]) if (x) removeProxy(x.server, x.name);
  });

  it(
    'v1, v2, a failing release, a rollback by hand, v2 again: zero failed requests',
    async () => {
      a = await app('zd');
      writeSlowApp(a.workspace, a.port);
      const zd = { 'zero-downtime': 'web', 'drain-timeout': '5', 'proxy-image': proxyImage };
      const go = async (image: string, want: string) => {
        const t0 = Date.now();
        const run = await deploy(info, a!, image, zd);
        expect(run.outputs.status, visibleLog(run)).toBe(want);
        const told = run.summary.split('\n').find((l) => l.includes('(zero-downtime)'));
        console.log(`[zero-downtime] ${image.split(':').pop()}: ${want} in ${Date.now() - t0} ms; ${told}`);
        return run;
      };

      const first = await go(images.v1, 'deployed');
      expect(await served(a)).toBe('v1');
      const r1 = first.outputs.release!;
      const load = startLoad(a.server, a.port, a.name);
      try {
        const second = await go(images.v2, 'deployed');
        expect(await served(a)).toBe('v2');
        expect(second.summary).toMatch(/traffic moved/i);

        const failing = await go(images.broken, 'rolled-back');
        expect(visibleLog(failing)).toContain('traffic never left');
        expect(await served(a)).toBe('v2');

        const back = await runAction('actions/rollback', rollbackInputs(info, a, { to: r1 }), {
          workspace: a.workspace,
        });
        expect(back.outputs.status, visibleLog(back)).toBe('rolled-back');
        expect(await served(a)).toBe('v1');
        expect(currentOnHost(a)).toBe(r1);

        const again = await go(images.v2, 'deployed');
        expect(await served(a)).toBe('v2');
        expect(currentOnHost(a)).toBe(again.outputs.release);
      } finally {
        const counts = load.stop();
        console.log(`[zero-downtime] load: ${JSON.stringify({ ...counts, failed: counts.failed.slice(0, 5) })}`);
        expect(counts.failed).toEqual([]);
        expect(counts.versions.broken ?? 0).toBe(0);
        expect(counts.fast).toBeGreaterThan(100);
        expect(counts.slow).toBeGreaterThan(5);
        expect(counts.versions.v1).toBeGreaterThan(0);
        expect(counts.versions.v2).toBeGreaterThan(0);
      }
      // One web container runs (the old ones drained and were removed), the worker was updated in place.
      const web = onHost(
        `docker ps -q --filter label=com.docker.compose.project=${a.name} --filter label=com.docker.compose.service=web | wc -l`,
      ).trim();
      expect(web).toBe('1');
    },
    15 * 60_000,
  );

  it(
    'Compose v2 too: v1 then v2 under load, zero failed requests',
    async () => {
      b = await app('zd2', { composeV2: true });
      writeSlowApp(b.workspace, b.port);
      const zd = { 'zero-downtime': 'web', 'drain-timeout': '5', 'proxy-image': proxyImage };
      const first = await deploy(info, b, images.v1, zd);
      expect(first.outputs.status, visibleLog(first)).toBe('deployed');
      const load = startLoad(b.server, b.port, b.name);
      try {
        const second = await deploy(info, b, images.v2, zd);
        expect(second.outputs.status, visibleLog(second)).toBe('deployed');
        expect(await served(b)).toBe('v2');
      } finally {
        const counts = load.stop();
        expect(counts.failed).toEqual([]);
        expect(counts.versions.v2).toBeGreaterThan(0);
      }
    },
    5 * 60_000,
  );
});
