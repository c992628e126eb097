// The containers kind of health check: Docker's view of an app's containers on one host. With it,
// the gate on a host that the deploy and the rollback share, so both judge a release the same way.
import type { HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import {
  containerStatesCommand,
  logsTailCommand,
  parseContainerStates,
  type ContainerState,
} from '../remote/DockerCommands.js';
import { line } from '../remote/Shell.js';
import type { SshConnection } from '../ssh/SshConnection.js';
import type { CheckOutcome, HealthCheck } from './HealthCheck.js';
import { HealthGate, type GateResult } from './HealthGate.js';
import type { HealthGateSpec } from './readHealthSpec.js';
import { specChecks } from './specChecks.js';

export interface ContainerLog {
  name: string;
  tail: string;
}

/** What a gate asks of an app's runtime, on one host: Compose's containers, or a swarm stack (SwarmHealth). */
export interface AppHealth extends HealthCheck {
  readonly project: string;
  failingLogs(): Promise<ContainerLog[]>;
}

export class ContainerHealth implements AppHealth {
  constructor(
    private readonly ssh: SshConnection,
    readonly project: string,
  ) {}

  async states(): Promise<ContainerState[]> {
    return parseContainerStates((await this.ssh.exec(containerStatesCommand(this.project))).stdout);
  }

  /** Every container running (or exited 0), every healthcheck healthy. A crash ends the wait. */
  async check(): Promise<CheckOutcome> {
    const states = await this.states();
    if (states.length === 0) return { ok: false, detail: 'no containers of the app are running' };
    const crashed = states.filter((c) => (c.status === 'exited' && c.exitCode !== 0) || c.status === 'dead');
    if (crashed.length)
      return {
        ok: false,
        fatal: true,
        detail: crashed.map((c) => `${c.service} exited with code ${c.exitCode}`).join(', '),
      };
    const waiting = states.filter(
      (c) => !(c.status === 'running' || c.status === 'exited') || (c.health && c.health !== 'healthy'),
    );
    if (waiting.length)
      return { ok: false, detail: waiting.map((c) => `${c.service} is ${c.health ?? c.status}`).join(', ') };
    return { ok: true, detail: '' };
  }

  /** The last lines of the containers that are not well (or of all, when none stands out). */
  async failingLogs(): Promise<ContainerLog[]> {
    const states = await this.states();
    const bad = states.filter((c) => c.status !== 'running' || (c.health && c.health !== 'healthy'));
    const pick = bad.length ? bad : states;
    return Promise.all(
      pick.slice(0, 5).map(async (c) => {
        const r = await this.ssh.exec(`${line(logsTailCommand(c.id, 30))} 2>&1`);
        return { name: `${c.service} (${c.name}, ${c.health ?? c.status})`, tail: r.stdout.trimEnd() };
      }),
    );
  }
}

/** The gate on one host: the spec's checks through an SSH tunnel into it, and the app's containers. */
export function gateOnHost(
  session: HostSession,
  containers: AppHealth,
  spec: HealthGateSpec,
  log: Log,
): Promise<GateResult> {
  const checks = [
    ...specChecks(spec, {
      open: (host, port) => session.ssh.forward(host, port),
      exec: (command, opts) => session.ssh.exec(command, opts),
      project: containers.project,
    }),
    containers,
  ];
  const gate = new HealthGate(spec, checks);
  return gate.run(log, `${session.spec.label}: `);
}
