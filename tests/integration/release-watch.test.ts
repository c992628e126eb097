// The release watch, deploy windows and the tcp:// and exec:// checks, through the bundled deploy
// action on the sandbox host. The watch app's /cgi-bin/health misbehaves after the gate the way a
// release does (tests/sandbox/WatchAppImage.ts); watches are seconds long so the file stays short.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensurePrometheusImage } from '../sandbox/PrometheusImage.js';
import { buildWatchAppImage } from '../sandbox/WatchAppImage.js';
import { runAction } from '../harness/runAction.js';
import { connectionInputs, deploy, portFreeOnServer, visibleLog, type TestApp } from '../support/deployKit.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { rollback } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('release watch', () => {
  const { app } = suiteApps();
  const info = sandboxInfo();
  let ok: string;
  let failsLater: string;
  let slow: string;
  let erroring: string;

  beforeAll(() => {
    ok = buildWatchAppImage(info, 'ok');
    failsLater = buildWatchAppImage(info, 'fails-after-5s');
    slow = buildWatchAppImage(info, 'slow-1200ms');
    erroring = buildWatchAppImage(info, 'erroring');
  });

  const cgi = (a: TestApp) => ({ 'health-url': `http://127.0.0.1:${a.port}/cgi-bin/health` });
  const errorOf = (run: { annotations: { kind: string; message: string }[] }) =>
    run.annotations.find((x) => x.kind === 'error')?.message ?? '';

  it('rolls back a release that fails 3 checks in a row after its gate, keeps a healthy one, and obeys windows', async () => {
    const a = await app('watch');
    const first = await deploy(info, a, ok, cgi(a));
    expect(first.exitCode, visibleLog(first)).toBe(0);

    const bad = await deploy(info, a, failsLater, {
      ...cgi(a),
      watch: '10s',
      'rollback-triggers': 'health_check: { consecutive_failures: 3 }',
    });
    expect(bad.exitCode, visibleLog(bad)).toBe(1);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(bad.outputs.release).toBe(first.outputs.release);
    expect(currentOnHost(a)).toBe(first.outputs.release);
    expect(errorOf(bad)).toContain(
      `release ${bad.outputs['release-attempted']} was rolled back: rollback trigger health_check.consecutive_failures: 3 ≥ 3 failed checks in a row`,
    );
    expect(bad.summary).toContain('tripped a rollback trigger in its watch');
    expect(bad.summary).toMatch(/\| Host \| Watched \| Requests \| Error rate \| p50 \| p95 \| p99 \| Watch \|/);
    expect(bad.summary).toContain('```mermaid\nxychart-beta');

    const kept = await deploy(info, a, ok, {
      ...cgi(a),
      watch: '6s',
      'rollback-triggers': 'error_rate: { threshold: 5%, duration: 5s }\nhealth_check: { consecutive_failures: 3 }',
    });
    expect(kept.exitCode, visibleLog(kept)).toBe(0);
    expect(kept.outputs.status).toBe('deployed');
    expect(currentOnHost(a)).toBe(kept.outputs.release);
    expect(kept.summary).toMatch(/\| 6\.\d s \| \d+ \| 0% \| \d+ ms \| \d+ ms \| \d+ ms \| ✓ no trigger tripped \|/);

    // A window two hours from now: the deploy is refused before any host is touched...
    const h = new Date().getUTCHours();
    const hh = (n: number) => `${String(n % 24).padStart(2, '0')}:00`;
    const releases = releasesOnHost(a);
    const history = onHost(`cat ${a.root}/history.jsonl`);
    const refused = await deploy(info, a, ok, { ...cgi(a), 'deploy-windows': `daily ${hh(h + 2)}-${hh(h + 3)} UTC` });
    expect(refused.exitCode).toBe(1);
    expect(errorOf(refused)).toMatch(
      new RegExp(`outside every deploy window .*; the next opens \\w{3} \\d{4}-\\d\\d-\\d\\d ${hh(h + 2)} UTC`),
    );
    expect(refused.summary).toContain('refused: outside every deploy window (nothing changed)');
    expect(releasesOnHost(a)).toEqual(releases);
    expect(currentOnHost(a)).toBe(kept.outputs.release);
    expect(onHost(`cat ${a.root}/history.jsonl`)).toBe(history);
    // ...and a rollback in the same minute is not.
    const back = await rollback(info, a);
    expect(back.exitCode, visibleLog(back)).toBe(0);
    expect(currentOnHost(a)).not.toBe(kept.outputs.release);
  });

  it('rolls back a release whose health answers in 1.2 s under latency.p95_threshold: 1000ms', async () => {
    const a = await app('watch-slow');
    const first = await deploy(info, a, ok, cgi(a));
    expect(first.exitCode, visibleLog(first)).toBe(0);
    const bad = await deploy(info, a, slow, {
      ...cgi(a),
      watch: '8s',
      'rollback-triggers': 'latency: { p95_threshold: 1000ms, duration: 5s }',
    });
    expect(bad.exitCode, visibleLog(bad)).toBe(1);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(currentOnHost(a)).toBe(first.outputs.release);
    expect(errorOf(bad)).toMatch(
      /rollback trigger latency\.p95_threshold: 1[2-9]\d\d ms > 1000 ms over the last 5s \(p95 of \d+ requests\)/,
    );
  });

  it('gates a release on tcp:// and exec:// checks, and fails one on them', async () => {
    const a = await app('watch-kinds');
    const checks = `tcp://127.0.0.1:${a.port}\nexec://web/test -f /www/health`;
    const good = await deploy(info, a, ok, { 'health-url': checks });
    expect(good.exitCode, visibleLog(good)).toBe(0);
    expect(visibleLog(good)).toContain(`tcp://127.0.0.1:${a.port} → ok in`);
    expect(visibleLog(good)).toContain('exec://web/test -f /www/health → ok in');

    // The slow image's /www/health says slow-1200ms, not ok: its exec check fails, the previous passes.
    const bad = await deploy(info, a, slow, {
      'health-url': `tcp://127.0.0.1:${a.port}\nexec://web/grep -q ok /www/health`,
      'health-timeout': '2',
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(errorOf(bad)).toContain('exec://web/grep -q ok /www/health → exit 1');
    expect(currentOnHost(a)).toBe(good.outputs.release);

    // A port nobody listens on fails the check, through the tunnel into the host.
    const closed = await portFreeOnServer(a.server);
    const gate = await runAction('actions/health-gate', {
      ...connectionInputs(info),
      urls: `tcp://127.0.0.1:${closed}`,
      timeout: '1',
      interval: '0.2',
    });
    expect(gate.exitCode).toBe(1);
    expect(errorOf(gate)).toContain(`tcp://127.0.0.1:${closed} → connection refused`);

    const unknown = await deploy(info, a, ok, { 'health-url': 'redis://127.0.0.1:6379' });
    expect(unknown.exitCode).toBe(1);
    expect(errorOf(unknown)).toContain(
      "Input 'health-url': 'redis://127.0.0.1:6379' has the scheme redis://, which njord cannot check",
    );
  });

  it('rolls back a release under a PromQL trigger, asking a real Prometheus on the host', async () => {
    const prometheus = await ensurePrometheusImage(info);
    const a = await app('watch-prom');
    const promPort = await portFreeOnServer(a.server);
    // The app and its Prometheus, which scrapes web:8080/metrics every second, on the host's loopback.
    writeFileSync(
      join(a.workspace, 'docker-compose.yml'),
      [
        'services:',
        '  web:',
        '    image: ${IMAGE}',
        `    ports: ["127.0.0.1:${a.port}:8080"]`,
        '  prometheus:',
        `    image: ${prometheus}`,
        `    ports: ["127.0.0.1:${promPort}:9090"]`,
        '',
      ].join('\n'),
    );
    const first = await deploy(info, a, ok);
    expect(first.exitCode, visibleLog(first)).toBe(0);
    const bad = await deploy(info, a, erroring, {
      watch: '10s',
      'rollback-triggers': `prometheus: [{ query: 'sum(app_errors_total)', above: 5, url: 'http://127.0.0.1:${promPort}' }]`,
    });
    expect(bad.exitCode, visibleLog(bad)).toBe(1);
    expect(bad.outputs.status).toBe('rolled-back');
    expect(currentOnHost(a)).toBe(first.outputs.release);
    expect(errorOf(bad)).toContain('rollback trigger prometheus: 7 > 5 at the last query (sum(app_errors_total))');
  });
});
