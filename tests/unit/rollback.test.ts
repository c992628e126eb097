// The rollback's choices and commands, without a host: which release `to` picks, the image pinned
// by digest over the release's env file, and the plan's steps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/health/HealthGate.js';
import { InputError } from '../../src/inputs/InputError.js';
import { renderEnvFile } from '../../src/release/EnvFile.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import type { ReleaseEntry, ReleaseManifest } from '../../src/release/ReleaseManifest.js';
import { score } from '../../src/rollback/FallBack.js';
import { readStateCommand } from '../../src/remote/RollbackCommands.js';
import { describeRollbackPlan, parseRollbackState, planRollback } from '../../src/rollback/RollbackPlan.js';
import {
  chooseTarget,
  describeReleases,
  imageMatches,
  parseTo,
  pinnedImage,
  releaseRows,
  tagOf,
} from '../../src/rollback/RollbackTarget.js';
import { composeV1Here } from '../support/composeV1.js';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);
const D3 = 'sha256:' + '3'.repeat(64);
const REPO = 'ghcr.io/acme/shop';

function release(
  id: string,
  image: string,
  digest: string | undefined,
  status: ReleaseManifest['status'],
): ReleaseEntry {
  return {
    id,
    manifest: {
      id,
      app: 'shop',
      image,
      digest,
      composeFiles: ['docker-compose.yml'],
      envKeys: ['IMAGE'],
      actor: 'octocat',
      createdAt: `2026-01-0${id.slice(7, 8)}T10:00:00.000Z`,
      status,
    },
  };
}

const r1 = release('20260101-100000-000-aaaaaaa', `${REPO}:v1`, D1, 'active');
const r2 = release('20260102-100000-000-bbbbbbb', `${REPO}:v2`, D2, 'active');
const bad = release('20260103-100000-000-ccccccc', `${REPO}:v3`, D3, 'failed');
const r4 = release('20260104-100000-000-ddddddd', `${REPO}:v2`, D2, 'active');
const all = [r1, r2, bad, r4];

const pick = (to: string, current: string | null = r4.id, releases = all) => {
  const c = chooseTarget(parseTo(to), releases, current ?? undefined);
  return c.ok ? c.target.id : `none: ${c.why}`;
};

describe('choosing the release from to', () => {
  it('previous is the newest healthy release older than the current one, skipping failed ones', () => {
    expect(pick('previous')).toBe(r2.id);
    expect(pick('')).toBe(r2.id);
    // After a rollback to r2, previous steps further back.
    expect(pick('previous', r2.id)).toBe(r1.id);
    expect(pick('previous', r1.id)).toBe(`none: no healthy release older than the current one (${r1.id}) is kept here`);
    expect(pick('previous', null)).toMatch(/^none: no release is current here/);
  });

  it('a release id picks that release, even one that failed its gate (with a note)', () => {
    expect(pick(r1.id)).toBe(r1.id);
    const c = chooseTarget(parseTo(bad.id), all, r4.id);
    expect(c.ok && c.note).toMatch(/did not pass its health gate when it was deployed \(failed\)/);
    expect(pick('20260109-100000-000-zzzzzzz')).toBe('none: no release 20260109-100000-000-zzzzzzz is kept here');
    expect(pick(r1.id, r4.id, [{ id: r1.id }, r4])).toMatch(/has no release.json/);
  });

  it('an image picks the newest release that ran it: by tag, reference, digest or digest prefix', () => {
    expect(pick('v1')).toBe(r1.id);
    expect(pick('v2')).toBe(r4.id);
    expect(pick(`${REPO}:v2`)).toBe(r4.id);
    expect(pick(`${REPO}@${D1}`)).toBe(r1.id);
    expect(pick(D2)).toBe(r4.id);
    expect(pick(D1.slice(0, 19))).toBe(r1.id);
    expect(pick('v9')).toBe('none: no release kept here ran v9');
    expect(pick(`ghcr.io/other/shop@${D1}`)).toMatch(/^none/);
  });

  it('prefers a release that passed its gate over a newer one that failed with the same image', () => {
    const again = release('20260105-100000-000-eeeeeee', `${REPO}:v1`, D1, 'failed');
    expect(pick('v1', r4.id, [...all, again])).toBe(r1.id);
  });

  it('rejects a to that is no release id, image or digest, naming the input', () => {
    expect(() => parseTo('v1; rm -rf /')).toThrow(InputError);
    expect(() => parseTo('$(id)')).toThrow(/Input 'to': '\$\(id\)' is not previous, a release id/);
  });

  it('lists the releases kept, newest first, with image, time, who and the current one', () => {
    const text = describeReleases(releaseRows(all, r4.id));
    const lines = text.split('\n');
    expect(lines[0]).toContain(`${r4.id}  ${REPO}:v2  2026-01-04 10:00:00Z  by octocat  active  (current)`);
    expect(lines[3]).toContain(r1.id);
    expect(describeReleases([])).toMatch(/none/);
  });
});

describe('images', () => {
  it('pins a tag to the digest the release recorded', () => {
    expect(pinnedImage(r1.manifest!)).toBe(`${REPO}@${D1}`);
    expect(pinnedImage({ ...r1.manifest!, image: `127.0.0.1:5000/a/b:v1` })).toBe(`127.0.0.1:5000/a/b@${D1}`);
    expect(pinnedImage({ ...r1.manifest!, digest: undefined })).toBe(`${REPO}:v1`);
    expect(pinnedImage({ ...r1.manifest!, image: '' })).toBeUndefined();
    expect(tagOf('127.0.0.1:5000/a/b')).toBeUndefined();
    expect(tagOf(`127.0.0.1:5000/a/b:v1@${D1}`)).toBe('v1');
    expect(imageMatches({ ...r1.manifest!, image: `${REPO}@${D1}`, digest: undefined }, D1)).toBe(true);
  });
});

describe('the rollback plan', () => {
  const layout = new ReleaseLayout('/home/deploy/njord/shop');
  const plan = planRollback({
    app: 'shop',
    layout,
    compose: 'v1',
    target: r1.manifest!,
    from: r4.manifest!,
    registry: { server: 'ghcr.io', username: 'bot' },
    lockToken: 'tok123',
  });

  it('starts the release with its own files and env file, IMAGE pinned after sourcing it', () => {
    expect(plan.up).toContain(`${layout.envFile(r1.id)} env DOCKER_CONFIG=${layout.dockerConfig} IMAGE=${REPO}@${D1}`);
    expect(plan.up).toContain(`-f ${layout.release(r1.id)}/docker-compose.yml up --detach`);
    expect(plan.restoreFrom).toContain(`IMAGE=${REPO}@${D2}`);
    expect(plan.pull).toBe(`env DOCKER_CONFIG=${layout.dockerConfig} docker pull --quiet ${REPO}@${D1}`);
    // The rollback's own login, in the app's private DOCKER_CONFIG (password on stdin).
    expect(plan.login).toContain(
      `DOCKER_CONFIG=${layout.dockerConfig} docker login --username bot --password-stdin ghcr.io`,
    );
    // Activation, the history line, the logout and freeing the lock: one round trip, in that order.
    expect(plan.activateAndRecord).toMatch(
      new RegExp(
        `^ln -sfn releases/${r1.id} .* && cat >> ${layout.history} && if grep -qF tok123 .*; then if \\[ -d ${layout.dockerConfig} \\]; then env DOCKER_CONFIG=${layout.dockerConfig} docker logout ghcr.io >/dev/null 2>&1; rm -rf ${layout.dockerConfig}; fi; rm -rf ${layout.lockDir}; fi$`,
      ),
    );
    expect(plan.record).toMatch(/^cat >> \S+history.jsonl && if grep -qF tok123/);
    const steps = describeRollbackPlan(plan, r1.id, r4.id).join('\n');
    expect(steps).toMatch(/1\. take the app lock/);
    expect(steps).toContain(`when not healthy: bring ${r4.id} back`);
  });

  it('reads the current release and the releases in one command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'njord-rb-state-'));
    const local = new ReleaseLayout(dir);
    const run = () => parseRollbackState(execFileSync('sh', ['-c', readStateCommand(local)], { encoding: 'utf8' }));
    expect(run()).toEqual({ current: undefined, releases: [] });
    execFileSync('sh', ['-c', `mkdir -p ${local.release(r1.id)}`]);
    writeFileSync(local.manifest(r1.id), JSON.stringify(r1.manifest));
    execFileSync('ln', ['-s', `releases/${r1.id}`, local.current]);
    expect(run()).toEqual({ current: r1.id, releases: [r1] });
  });

  it('has nothing to bring back when the target is the current release', () => {
    const again = planRollback({
      app: 'shop',
      layout,
      compose: 'v2',
      target: r4.manifest!,
      from: r4.manifest!,
      lockToken: 't',
    });
    expect(again.restoreFrom).toBeUndefined();
    expect(again.up).toMatch(/^sh -c .* env IMAGE=\S+ docker compose --project-name shop/);
  });

  // Compose v1 is on this machine: the override wins over the env file's tag, byte for byte.
  it.skipIf(!composeV1Here)('compose sees the pinned image, not the tag in release.env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'njord-rb-'));
    const local = new ReleaseLayout(dir);
    execFileSync('mkdir', ['-p', local.release(r1.id)]);
    writeFileSync(`${local.release(r1.id)}/docker-compose.yml`, 'services:\n  web:\n    image: ${IMAGE}\n');
    writeFileSync(local.envFile(r1.id), renderEnvFile([['IMAGE', `${REPO}:v1`]]));
    const p = planRollback({
      app: 'shop',
      layout: local,
      compose: 'v1',
      target: r1.manifest!,
      lockToken: 't',
    });
    const config = p.up.replace(/ up --detach --remove-orphans$/, ' config');
    expect(execFileSync('sh', ['-c', config], { encoding: 'utf8' })).toContain(`image: ${REPO}@${D1}`);
  });
});

describe('choosing the healthier of two unhealthy releases', () => {
  const gate = (oks: boolean[][]): GateResult => ({
    healthy: false,
    attempts: oks.map((r, i) => ({
      at: i,
      ok: r.every(Boolean),
      results: r.map((ok) => ({ url: 'u', ok, latencyMs: 1 })),
    })),
  });
  it('counts passing attempts first, then passing answers', () => {
    expect(score(gate([[true], [false]]))).toBeGreaterThan(score(gate([[false], [false]])));
    expect(score(gate([[true, false]]))).toBeGreaterThan(score(gate([[false, false]])));
    expect(score(undefined)).toBeLessThan(score(gate([[false]])));
  });
});
