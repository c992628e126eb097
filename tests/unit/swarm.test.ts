// mode: swarm without a host: the files njord adds to a stack, the inputs it refuses, how the gate
// judges a stack from what a manager says of it, and which host is the manager.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { swarmStackFiles, SWARM_FILE } from '../../src/deploy/swarm/SwarmStackFiles.js';
import { checkSwarmInputs } from '../../src/deploy/swarm/SwarmConfig.js';
import { judgeStack, parseStackState, type StackService, type StackTask } from '../../src/health/SwarmHealth.js';
import { notAManager } from '../../src/deploy/swarm/pickManager.js';
import { InputError } from '../../src/inputs/InputError.js';
import { PARALLEL } from '../../src/deploy/RolloutBatches.js';
import { readDeployConfig } from '../../src/deploy/DeployConfig.js';
import { readRollbackConfig } from '../../src/rollback/RollbackConfig.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { inputError } from '../support/inputError.js';
import { scratchDir } from '../support/scratchDir.js';
import { throwawayKey } from '../support/throwawayKey.js';

const file = (name: string, content: string) => ({ name, source: name, content });
const zd = {
  services: [{ name: 'web', ports: [{ hostIp: '', hostPort: 80, containerPort: 8080 }] }],
  drainTimeoutS: 30,
  proxyImage: 'nginx:1',
};

describe('swarmStackFiles', () => {
  it('adds a rolling update to each service without one, and keeps a service its own', () => {
    const files = swarmStackFiles(
      [
        file(
          'docker-compose.yml',
          'services:\n  web:\n    image: a\n  db:\n    image: b\n    deploy:\n      update_config:\n        order: stop-first\n',
        ),
      ],
      undefined,
    );
    expect(files.map((f) => f.name)).toEqual(['docker-compose.yml', SWARM_FILE]);
    // A file without a version gets one (Docker 20-24 read it as 1.0 otherwise).
    expect(parse(files[0]!.content).version).toBe('3.8');
    expect(parse(files[1]!.content)).toEqual({
      version: '3.8',
      services: {
        web: { deploy: { update_config: { parallelism: 1, order: 'start-first', failure_action: 'pause' } } },
      },
    });
  });

  it('puts the proxied services on DNS round robin and makes the default network attachable', () => {
    const [, njord] = swarmStackFiles([file('a.yml', 'version: "3.9"\nservices:\n  web:\n    image: a\n')], zd);
    expect(parse(njord!.content)).toEqual({
      version: '3.9',
      services: {
        web: {
          deploy: {
            update_config: { parallelism: 1, order: 'start-first', failure_action: 'pause' },
            endpoint_mode: 'dnsrr',
          },
        },
      },
      networks: { default: { driver: 'overlay', attachable: true } },
    });
  });

  it('gives every file the highest version, so the stack loader reads them together', () => {
    const files = swarmStackFiles(
      [
        file('a.yml', 'version: "3.4"\nservices:\n  web:\n    image: a\n'),
        file('b.yml', 'version: "3.9"\nservices: {}\n'),
      ],
      undefined,
    );
    expect(files.map((f) => parse(f.content).version)).toEqual(['3.9', '3.9', '3.9']);
  });

  it('refuses what a stack cannot take, naming the input', () => {
    expect(() => swarmStackFiles([file('a.yml', 'version: "2.4"\nservices: {}\n')], undefined)).toThrow(
      /'compose-file': a.yml has version: "2.4"/,
    );
    expect(() =>
      swarmStackFiles([file('a.yml', 'services:\n  web:\n    image: a\n    networks: [front]\n')], zd),
    ).toThrow(/'zero-downtime': service web lists networks without default/);
  });
});

describe('checkSwarmInputs', () => {
  const noTasks = { tasks: [], on: 'first' as const, backupBefore: false };
  it('refuses rollout, release-command and backup-before in swarm mode, and nothing in compose mode', () => {
    expect(() => checkSwarmInputs('swarm', { kind: 'hosts', perBatch: 1, text: 'serial' }, noTasks)).toThrow(
      InputError,
    );
    expect(() =>
      checkSwarmInputs('swarm', PARALLEL, { ...noTasks, tasks: [{ service: 'web', argv: ['migrate'] }] } as never),
    ).toThrow(/release-command/);
    expect(() => checkSwarmInputs('swarm', PARALLEL, { ...noTasks, backupBefore: true })).toThrow(/backup-before/);
    expect(() => checkSwarmInputs('swarm', PARALLEL, noTasks)).not.toThrow();
    expect(() => checkSwarmInputs('compose', { kind: 'hosts', perBatch: 1, text: 'serial' }, noTasks)).not.toThrow();
  });
});

describe('judgeStack', () => {
  const web = (over: Partial<StackService> = {}): StackService => ({
    name: 'shop_web',
    image: 'r/app:v2@sha256:22',
    replicas: 2,
    update: 'completed',
    ...over,
  });
  const task = (slot: number, image: string, current: string, desired = 'Running'): StackTask => ({
    name: `shop_web.${slot}`,
    image,
    desired,
    current,
    node: 'n1',
    error: '',
  });
  const v1 = 'r/app:v1@sha256:11';
  const v2 = 'r/app:v2@sha256:22';

  it('passes when every wanted task runs the new spec', () => {
    expect(judgeStack([web()], [task(1, v2, 'Running 3 seconds ago'), task(2, v2, 'Running 1 second ago')]).ok).toBe(
      true,
    );
  });

  it('waits while the update runs, a task is still starting, or an old task still runs', () => {
    expect(judgeStack([web({ update: 'updating' })], [task(1, v2, 'Running now')]).detail).toMatch(/is updating/);
    expect(judgeStack([web()], [task(1, v2, 'Running now'), task(2, v2, 'Starting 2 seconds ago')]).detail).toBe(
      'shop_web: 1/2 tasks running',
    );
    expect(
      judgeStack(
        [web()],
        [task(1, v2, 'Running now'), task(2, v2, 'Running now'), task(2, v1, 'Running 9 minutes ago')],
      ).ok,
    ).toBe(false);
  });

  it('ends the wait when swarm paused the update', () => {
    const o = judgeStack([web({ update: 'paused', updateMessage: 'update paused due to failure' })], []);
    expect(o).toMatchObject({ ok: false, fatal: true });
    expect(o.detail).toContain('swarm paused the update of shop_web: update paused due to failure');
  });

  it('reads what the manager printed', () => {
    const out = `[{"Spec":{"Name":"shop_web","Mode":{"Replicated":{"Replicas":3}},"TaskTemplate":{"ContainerSpec":{"Image":"${v2}"}}},"UpdateStatus":{"State":"completed"}},{"Spec":{"Name":"shop_agent","Mode":{"Global":{}},"TaskTemplate":{"ContainerSpec":{"Image":"${v1}"}}}}]\n--njord-tasks--\nshop_web.1\t${v2}\tRunning\tRunning 2 seconds ago\tn1\t\n`;
    const { services, tasks } = parseStackState(out);
    expect(services).toEqual([
      { name: 'shop_web', image: v2, replicas: 3, update: 'completed', updateMessage: undefined },
      { name: 'shop_agent', image: v1, replicas: undefined, update: undefined, updateMessage: undefined },
    ]);
    expect(tasks).toEqual([
      { name: 'shop_web.1', image: v2, desired: 'Running', current: 'Running 2 seconds ago', node: 'n1', error: '' },
    ]);
  });
});

describe('notAManager', () => {
  it('says what to do about a host that cannot deploy a stack', () => {
    expect(notAManager('active true\n')).toBeUndefined();
    expect(notAManager('active false')).toMatch(/worker/);
    expect(notAManager('inactive false')).toMatch(/docker swarm init/);
  });
});

describe('health checks in swarm mode', () => {
  const scratch = scratchDir('njord-swarm-health-');
  writeFileSync(join(scratch, 'docker-compose.yml'), 'services:\n  web:\n    image: ${IMAGE}\n');
  const values = (extra: Record<string, string>): InputReader => {
    const v: Record<string, string> = {
      hosts: 'deploy@example.com',
      'ssh-key': throwawayKey(),
      'known-hosts': 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ',
      app: 'shop',
      ...extra,
    };
    return new InputReader({ get: (n) => v[n] ?? '' });
  };
  const urls = 'http://127.0.0.1:8080/health\nexec://web/wget -q -O /dev/null http://127.0.0.1:8080/health';

  it('refuses an exec:// check, which would depend on where swarm put the tasks, in the deploy and the rollback', () => {
    for (const read of [
      (extra: Record<string, string>) => readDeployConfig(values(extra), scratch, {}),
      (extra: Record<string, string>) => readRollbackConfig(values(extra), {}),
    ]) {
      const err = inputError(() => read({ mode: 'swarm', 'health-url': urls }));
      expect(err.input).toBe('health-url');
      expect(err.message).toMatch(/'exec:\/\/web\/wget .*' runs in a container on the manager/);
      expect(err.message).toMatch(/Docker healthcheck/);
      expect(() => read({ mode: 'swarm', 'health-url': 'http://127.0.0.1:8080/health' })).not.toThrow();
      expect(() => read({ 'health-url': urls })).not.toThrow();
    }
  });

  it('refuses rollout in the rollback as in the deploy: a stack has one manager and swarm sets the pace', () => {
    const err = inputError(() => readRollbackConfig(values({ mode: 'swarm', rollout: 'serial' }), {}));
    expect(err.input).toBe('rollout');
    expect(err.message).toMatch(/swarm's rolling update .* sets the pace: remove rollout/);
    expect(() => readRollbackConfig(values({ rollout: 'serial' }), {})).not.toThrow();
  });
});
