// Rolling a release across four servers in batches, through the bundled dist/deploy, as users run
// it. Each server is looked at over its own shell (onServer), never the runner.
//
// The failing release needs a file each host provides (a bind mount of `health-v2` in the app's
// root): hosts 1, 2 and 4 have it, host 3 does not, so the release fails its gate there only, as a
// release that needs a host's config file fails on the one host that lacks it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureFleet, type Fleet } from '../sandbox/Fleet.js';
import { onServer, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, served, visibleLog, type TestApp } from '../support/deployKit.js';
import { rollback } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

/** What a person at each server's console sees of the app. */
function onEach(apps: TestApp[], cmd: (a: TestApp) => string): string[] {
  return apps.map((a) => onServer(a.server, cmd(a)).trim());
}
const current = (a: TestApp) => `readlink ${a.root}/current 2>/dev/null | sed 's|^releases/||'`;
const releases = (a: TestApp) => `ls -1 ${a.root}/releases | tr '\\n' ' '`;
/** When the app's container started: the same value means it was never restarted. */
const startedAt = (a: TestApp) =>
  `docker inspect --format '{{.State.StartedAt}}' $(docker ps -q --filter label=com.docker.compose.project=${a.name})`;

describeOnSandbox('rollout in batches across four servers', () => {
  const info = sandboxInfo();
  const apps = suiteApps();
  let fleet: Fleet;
  let v1: TestImage;
  let v2: TestImage;

  beforeAll(async () => {
    fleet = await ensureFleet(info, 4);
    v1 = await versionImage(info, 'njord-test/deploy', 'v1');
    v2 = await versionImage(info, 'njord-test/deploy', 'v2');
  }, 300_000);

  /** The same app on each of the four servers, with v1 deployed everywhere. */
  async function appOnFleet(prefix: string): Promise<{ app: TestApp; onFleet: TestApp[]; v1Release: string }> {
    const app = await apps.app(prefix);
    const onFleet = fleet.servers.map((s) => ({ ...app, server: s.name }));
    apps.track(...onFleet.slice(1));
    const first = await deploy(info, app, v1.refByDigest, fleetInputs());
    expect(first.exitCode, visibleLog(first)).toBe(0);
    return { app, onFleet, v1Release: first.outputs.release! };
  }

  const fleetInputs = (extra: Record<string, string> = {}) => ({
    hosts: fleet.hosts,
    'known-hosts': fleet.knownHosts,
    ...extra,
  });

  it('serial: a release that fails its gate on the third server leaves all four on the previous one, the fourth untouched', async () => {
    const { app, onFleet, v1Release } = await appOnFleet('serial');
    const [h1, h2, h3, h4] = fleet.servers.map((s) => s.hostSpec) as [string, string, string, string];
    // The release mounts a file from the host; the third host lacks it.
    writeFileSync(
      join(app.workspace, 'needs-file.yml'),
      `services:\n  web:\n    volumes:\n      - ${app.root}/health-v2:/www/health:ro\n`,
    );
    for (const a of [onFleet[0]!, onFleet[1]!, onFleet[3]!]) onServer(a.server, `printf v2 > ${a.root}/health-v2`);
    const fourthStarted = onServer(onFleet[3]!.server, startedAt(onFleet[3]!)).trim();

    const run = await deploy(
      info,
      app,
      v2.refByDigest,
      fleetInputs({ rollout: 'serial', 'compose-file': 'docker-compose.yml\nneeds-file.yml' }),
    );
    expect(run.exitCode, visibleLog(run)).toBe(1);
    expect(run.outputs.status).toBe('rolled-back');
    const attempted = run.outputs['release-attempted']!;

    // Every server runs the previous release again, and serves it.
    expect(onEach(onFleet, current)).toEqual([v1Release, v1Release, v1Release, v1Release]);
    expect(await Promise.all(onFleet.map((a) => served(a)))).toEqual(['v1', 'v1', 'v1', 'v1']);
    // The fourth was prepared with the others, then let go: its new release taken away, its app never
    // restarted, its lock free, nothing of this release in its history.
    expect(onEach(onFleet, releases)).toEqual([
      `${v1Release} ${attempted}`,
      `${v1Release} ${attempted}`,
      `${v1Release} ${attempted}`,
      v1Release,
    ]);
    expect(onServer(onFleet[3]!.server, startedAt(onFleet[3]!)).trim()).toBe(fourthStarted);
    expect(onEach(onFleet, (a) => `ls -A ${a.root}`).map((l) => l.includes('.lock'))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(onServer(onFleet[3]!.server, `cat ${app.root}/history.jsonl`)).not.toContain(attempted);
    // The first two switched, then went back by a rollback recorded in their history.
    for (const a of onFleet.slice(0, 2))
      expect(onServer(a.server, `tail -n 1 ${app.root}/history.jsonl`)).toContain('"event":"rollback"');

    // One host at a time: the third started only once the second was current, the fourth never.
    const log = run.stdout;
    expect(log.indexOf(`${h2}: release ${attempted} is healthy and current`)).toBeLessThan(
      log.indexOf(`${h3}: starting release ${attempted}`),
    );
    expect(log).not.toContain(`${h4}: starting release`);
    expect(run.summary).toContain(`**Rollout**: serial, 4 batches — stopped at **\`${h3}\`**`);
    expect(run.summary).toMatch(
      new RegExp(`\\| 1 \\(canary\\) \\| \`${h1}\`: switched, then back \\| ✓ passed \\| [\\d.]+ m?s \\|`),
    );
    expect(run.summary).toMatch(new RegExp(`\\| 3 \\| \`${h3}\`: rolled back \\| ✗ stopped the rollout \\|`));
    expect(run.summary).toContain(`| 4 | \`${h4}\`: untouched | not started | – |`);
    expect(run.summary).toContain(`**\`${h4}\`**: not reached, the rollout stopped first: left as it was.`);
  }, 240_000);

  it('2 hosts per batch: a good release switches all four, the canary first; a serial rollback puts v1 back', async () => {
    const { app, onFleet, v1Release } = await appOnFleet('pairs');
    const [h1, h2, h3, h4] = fleet.servers.map((s) => s.hostSpec) as [string, string, string, string];
    const run = await deploy(info, app, v2.refByDigest, fleetInputs({ rollout: '2' }));
    expect(run.exitCode, visibleLog(run)).toBe(0);
    const release = run.outputs.release!;
    expect(onEach(onFleet, current)).toEqual([release, release, release, release]);
    expect(await Promise.all(onFleet.map((a) => served(a)))).toEqual(['v2', 'v2', 'v2', 'v2']);
    const log = run.stdout;
    const healthy = (h: string) => log.indexOf(`${h}: release ${release} is healthy and current`);
    const starting = (h: string) => log.indexOf(`${h}: starting release ${release}`);
    expect(healthy(h1)).toBeLessThan(Math.min(starting(h2), starting(h3)));
    expect(Math.max(healthy(h2), healthy(h3))).toBeLessThan(starting(h4));
    expect(run.summary).toContain('**Rollout**: 2 hosts per batch, 3 batches.');
    expect(run.summary).toMatch(
      new RegExp(`\\| 2 \\| \`${h2}\`: switched, \`${h3}\`: switched \\| ✓ passed \\| [\\d.]+ m?s \\|`),
    );

    // The rollback action takes rollout too: one host at a time, each gated before the next.
    const back = await rollback(info, app, { ...fleetInputs({ rollout: 'serial' }), reason: 'rollout test' });
    expect(back.exitCode, visibleLog(back)).toBe(0);
    expect(onEach(onFleet, current)).toEqual([v1Release, v1Release, v1Release, v1Release]);
    expect(await Promise.all(onFleet.map((a) => served(a)))).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(back.summary).toContain('**Rollout**: serial, 4 batches.');
    expect(back.summary).toContain(`| 4 | \`${h4}\`: switched | ✓ passed |`);
  }, 180_000);

  it('a rollout that is not one is refused before any host is touched, naming the input', async () => {
    const app = await apps.app('badrollout');
    const run = await deploy(info, app, v1.refByDigest, fleetInputs({ rollout: 'fast' }));
    expect(run.exitCode).toBe(1);
    expect(run.stdout + run.stderr).toContain("Input 'rollout': 'fast' is not a rollout: use parallel");
    expect(run.summary).toContain('failed: bad input (nothing changed)');
    expect(
      onEach(
        fleet.servers.map((s) => ({ ...app, server: s.name })),
        (a) => `test -e ${a.root} && echo there || echo none`,
      ),
    ).toEqual(['none', 'none', 'none', 'none']);
  });
});
