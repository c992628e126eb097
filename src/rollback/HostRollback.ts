// One host's rollback, in the deploy's two phases: prepare (lock, read the releases, choose the
// target, pull its image again if it was pruned) on every host, then put it back and gate it. A
// failure in the first phase changes nothing that runs.
import type { HostSession } from '../ssh/HostSession.js';
import { ContainerHealth, gateOnHost, type AppHealth, type ContainerLog } from '../health/ContainerHealth.js';
import { appHealth } from '../health/appHealth.js';
import type { GateResult } from '../health/HealthGate.js';
import type { Log } from '../report/Log.js';
import { HostLock } from '../release/HostLock.js';
import type { ReleaseManifest } from '../release/ReleaseManifest.js';
import type { HistoryEvent } from '../release/ReleaseStore.js';
import type { LockOwner } from '../remote/LockCommands.js';
import type { RollbackConfig } from './RollbackConfig.js';
import { readStateCommand } from '../remote/RollbackCommands.js';
import { describeRollbackPlan, parseRollbackState, planRollback, type RollbackPlan } from './RollbackPlan.js';
import { fallBack } from './FallBack.js';
import { chooseTarget, pinnedImage, releaseRows, type ReleaseRow } from './RollbackTarget.js';
import { composeFor } from '../deploy/DeployPlan.js';
import { ReleaseSwitch, type SwitchReport } from '../deploy/zeroDowntime/ReleaseSwitch.js';
import type { ZeroDowntimeSpec } from '../deploy/zeroDowntime/ZeroDowntimeConfig.js';
import { lastLine } from '../ssh/SshConnection.js';
import { registryHostOf } from '../deploy/DeployConfig.js';
import { InputError } from '../inputs/InputError.js';
import { logoutCommand } from '../remote/DockerCommands.js';

export type RollbackStatus = 'rolled-back' | 'failed' | 'dry-run';

export interface RollbackTimings {
  connectMs?: number;
  /** Waiting for another run's lock. */
  lockMs?: number;
  pullMs?: number;
  startMs?: number;
  gateMs?: number;
}

export interface HostRollbackResult {
  host: string;
  /** `unchanged`: a rollback in batches stopped before it reached this host. */
  status: RollbackStatus | 'unchanged';
  /** The release that was current before. */
  from?: string;
  /** The release chosen from `to`. */
  target?: string;
  /** The release that runs now. */
  release?: string;
  /** The image the target runs, pinned by digest. */
  image?: string;
  /** The commit the target was built from, as its deploy recorded it (for the GitHub Deployment). */
  gitSha?: string;
  /** The image had been pruned from the host and was pulled again. */
  pulled?: boolean;
  timings: RollbackTimings;
  reason?: string;
  /** Worth knowing but not a failure (e.g. the target had failed its gate once). */
  note?: string;
  gate?: GateResult;
  /** The gate of the from-release, when it was brought back. */
  restoreGate?: GateResult;
  logs?: ContainerLog[];
  plan?: string[];
  /** The releases kept here, newest first: listed when `to` matched none of them. */
  releases?: ReleaseRow[];
  /** The zero-downtime switch, when the target ran through it. */
  switch?: SwitchReport;
}

const LONG = 30 * 60_000;

export class HostRollback {
  readonly result: HostRollbackResult;
  /** False when `to` matched no release here. */
  found = false;
  private readonly lock: HostLock;
  private containers: AppHealth;
  private plan!: RollbackPlan;
  private target!: ReleaseManifest;
  private from?: ReleaseManifest;

  constructor(
    readonly session: HostSession,
    private readonly cfg: RollbackConfig,
    private readonly owner: LockOwner,
    private readonly log: Log,
  ) {
    this.lock = new HostLock(session, owner);
    this.containers = new ContainerHealth(session.ssh, cfg.app);
    this.result = { host: session.spec.label, status: 'failed', timings: { connectMs: session.connectMs } };
  }

  private say(m: string) {
    this.log.info(`${this.session.spec.label}: ${m}`);
  }

  /** Phase 1: lock, choose, make sure the image is here. Nothing that runs changes. */
  async prepare(): Promise<void> {
    const r = this.result;
    // Read under the lock, in the same round trip: a deploy that held it may just have changed what is current.
    const read = readStateCommand(this.session.layout);
    let stdout: string;
    if (this.cfg.dryRun) stdout = (await this.session.ssh.run('read the releases', read)).stdout;
    else {
      const waitStart = performance.now();
      stdout = await this.lock.acquire(this.cfg.lockTimeoutMs, this.log, 1000, read);
      r.timings.lockMs = performance.now() - waitStart;
    }
    const { current, releases } = parseRollbackState(stdout);
    r.from = current;
    const choice = chooseTarget(this.cfg.to, releases, current);
    if (!choice.ok) {
      r.reason = choice.why;
      r.releases = releaseRows(releases, current);
      return;
    }
    this.found = true;
    this.target = choice.target.manifest;
    if ((this.target.mode === 'swarm') !== (this.cfg.mode === 'swarm'))
      throw new InputError(
        'mode',
        `release ${choice.target.id} was deployed with mode: ${this.target.mode ?? 'compose'}; roll it back with mode: ${this.target.mode ?? 'compose'}`,
      );
    this.containers = appHealth(this.session.ssh, this.cfg.app, this.target.mode);
    this.from = releases.find((e) => e.id === current)?.manifest;
    r.target = choice.target.id;
    r.gitSha = this.target.gitSha;
    r.note = choice.note;
    if (choice.note) this.log.warn(`${this.session.spec.label}: ${choice.note}`);
    const plan = (registry?: { server: string; username: string }) =>
      planRollback({
        app: this.cfg.app,
        layout: this.session.layout,
        compose: this.session.compose,
        target: this.target,
        from: this.from,
        registry,
        lockToken: this.owner.token,
      });
    this.plan = plan();
    r.image = this.plan.image;
    if (this.target.image && !this.target.digest && !this.target.image.includes('@'))
      this.log.warn(
        `${this.session.spec.label}: release ${r.target} recorded no digest; it runs ${this.target.image} as that tag points now`,
      );
    const present = this.plan.imagePresent ? (await this.session.ssh.exec(this.plan.imagePresent)).code === 0 : true;
    // The login is only for pulling a pruned image again (a host that has it never sees the
    // credentials), or for a swarm's nodes, which pull with the login the manager hands them.
    const swarm = this.target.mode === 'swarm';
    if ((!present || swarm) && this.cfg.registry) this.plan = plan(this.registry());
    if (this.cfg.dryRun) {
      r.status = 'dry-run';
      r.plan = describeRollbackPlan(this.plan, this.target.id, current);
      if (!present)
        r.note = [r.note, `${r.image} is no longer on the host: it would be pulled again`].filter(Boolean).join('; ');
      return;
    }
    if (!present && this.plan.pull) {
      await this.login();
      this.say(`${r.image} was pruned from the host: pulling it again`);
      const pullStart = performance.now();
      const pull = await this.session.ssh.exec(this.plan.pull, { timeoutMs: LONG });
      if (pull.code !== 0)
        throw new Error(
          `${this.session.spec.label}: pull ${r.image} again failed: ${lastLine(pull)}` +
            (this.plan.login
              ? ''
              : '. A deploy logs its hosts out when it ends: give the rollback registry-username and registry-password (the reusable rollback workflow passes REGISTRY_PASSWORD, or the job token for ghcr.io)'),
        );
      r.timings.pullMs = performance.now() - pullStart;
      r.pulled = true;
    } else if (this.plan.imagePresent) r.pulled = false;
    else if (swarm) await this.login();
  }

  /** The login for this host's target: `registry`, else the registry its image names. */
  private registry(): { server: string; username: string } | undefined {
    const login = this.cfg.registry;
    if (!login) return undefined;
    const server = login.server || registryHostOf(this.target.image);
    if (!server)
      throw new InputError(
        'registry',
        `is required: release ${this.target.id} runs ${this.target.image ?? 'images its compose files name'}, which names no registry host to log in to`,
      );
    return { server, username: login.username };
  }

  private async login(): Promise<void> {
    if (!this.plan.login || !this.cfg.registry) return;
    const r = await this.session.ssh.exec(this.plan.login, { stdin: this.cfg.registry.password + '\n' });
    if (r.code !== 0)
      throw new InputError(
        'registry-password',
        `${this.registry()?.server} refused the login of '${this.cfg.registry.username}' from ${this.session.spec.label}: ${lastLine(r)}`,
      );
  }

  /**
   * Undoes phase 1 after a failure on any host: ends the login, frees the lock, and takes away the
   * app's directory when taking the lock made it (a host that never ran the app): nothing else changed.
   */
  async abandon(): Promise<void> {
    await this.lock.release({
      first: this.plan?.logout ?? logoutCommand(this.session.layout.dockerConfig),
      removeMadeDirs: true,
    });
  }

  /** Phase 2: start the target as it ran, gate it; keep it, or leave the healthier of the two (FallBack). */
  async rollout(): Promise<HostRollbackResult> {
    const r = this.result;
    const id = this.target.id;
    try {
      this.say(`rolling back from ${r.from ?? 'nothing'} to ${id}${r.image ? ` (${r.image})` : ''}`);
      if (this.target.zeroDowntime && this.target.mode !== 'swarm')
        return await this.switchBack(this.target.zeroDowntime);
      const upStart = performance.now();
      const up = await this.session.ssh.exec(this.plan.up, { timeoutMs: LONG });
      r.timings.startMs = performance.now() - upStart;
      if (up.code === 0) {
        const gateStart = performance.now();
        r.gate = await this.gate();
        r.timings.gateMs = performance.now() - gateStart;
        if (r.gate.healthy) {
          r.status = 'rolled-back';
          r.release = id;
          await this.finish(this.plan.activateAndRecord, `point current at ${id}, record the rollback`);
          this.say(`release ${id} is healthy and current`);
          return r;
        }
        r.reason = `release ${id} is not healthy: ${r.gate.reason}`;
      } else {
        r.reason = `compose up of release ${id} failed: ${lastLine(up)}`;
      }
      r.logs = await this.containers.failingLogs();
      this.log.error(`${this.session.spec.label}: ${r.reason}`);
      r.status = 'failed';
      const exec = (cmd: string) => () => this.session.ssh.exec(cmd, { timeoutMs: LONG });
      const left = await fallBack({
        target: { id, up: exec(this.plan.up), started: up.code === 0, gate: r.gate },
        from: this.plan.restoreFrom && this.from ? { id: this.from.id, up: exec(this.plan.restoreFrom) } : undefined,
        gate: () => this.gate(),
        say: (m) => this.say(m),
      });
      r.release = left.running;
      r.restoreGate = left.restoreGate;
      r.reason += `; ${left.why}`;
      // `current` names what runs: the target when it was left running, else it stays on the from-release.
      if (left.running === id)
        await this.finish(
          this.plan.activateAndRecord,
          `point current at ${id}, which is left running, record the failed rollback`,
        );
      else await this.finish(this.plan.record, 'record the failed rollback');
      return r;
    } finally {
      await this.lock.release({ first: this.plan.logout });
    }
  }

  /** The release ran through the zero-downtime switch: it comes back the same way, the from-release serving until then. */
  private async switchBack(spec: ZeroDowntimeSpec): Promise<HostRollbackResult> {
    const r = this.result;
    const id = this.target.id;
    const image = pinnedImage(this.target);
    const ctx = { app: this.cfg.app, layout: this.session.layout, compose: this.session.compose };
    const compose = composeFor(
      ctx,
      id,
      this.target,
      this.plan.login !== undefined,
      image ? { IMAGE: image } : undefined,
    );
    const o = await new ReleaseSwitch(this.session, this.cfg.app, spec, this.cfg.health, this.log).run(compose);
    r.timings.startMs = o.startMs;
    r.timings.gateMs = o.gateMs;
    r.gate = o.gate;
    r.switch = o.report;
    if (o.healthy) {
      r.status = 'rolled-back';
      r.release = id;
      await this.finish(this.plan.activateAndRecord, `point current at ${id}, record the rollback`);
      this.say(`release ${id} is healthy and current`);
      return r;
    }
    r.status = 'failed';
    r.release = r.from;
    r.logs = o.logs;
    r.reason = `release ${id} is not healthy: ${o.reason}; traffic never left ${r.from ?? 'the running release'}`;
    this.log.error(`${this.session.spec.label}: ${r.reason}`);
    await this.finish(this.plan.record, 'record the failed rollback');
    return r;
  }

  private gate(): Promise<GateResult> {
    return gateOnHost(this.session, this.containers, this.cfg.health, this.log);
  }

  /** The last command, with the history event on stdin; it frees the lock too (else `finally` does). */
  private async finish(command: string, what: string): Promise<void> {
    const r = this.result;
    const event: HistoryEvent = {
      time: new Date().toISOString(),
      event: 'rollback',
      release: this.target.id,
      from: r.from,
      result: r.status,
      image: r.image,
      digest: this.target.digest,
      actor: this.cfg.meta.actor,
      runUrl: this.cfg.meta.runUrl,
      reason: this.cfg.reason,
      failure: r.status === 'failed' ? r.reason : undefined,
      running: r.release ?? null,
    };
    await this.session.ssh.run(`${what}, release the lock`, command, { stdin: JSON.stringify(event) + '\n' });
    this.lock.held = false;
  }
}
