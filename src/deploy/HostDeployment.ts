// One host's deploy, in two phases so that a failure anywhere before `up` changes nothing that
// runs: prepare (lock, login, upload, validate, pull) on every host, then roll out.
import type { HostSession } from '../ssh/HostSession.js';
import { gateOnHost, type AppHealth } from '../health/ContainerHealth.js';
import { appHealth } from '../health/appHealth.js';
import type { GateResult } from '../health/HealthGate.js';
import type { WatchResult } from '../health/watch/ReleaseWatch.js';
import { describeTrip } from '../health/watch/TriggerEvaluator.js';
import { watchOnHost } from '../health/watch/watchOnHost.js';
import { formatMs } from '../report/SummaryMarkdown.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { HostLock } from '../release/HostLock.js';
import { releasesToPrune, type ReleaseEntry, type ReleaseManifest } from '../release/ReleaseManifest.js';
import { parseStoreState, ReleaseStore } from '../release/ReleaseStore.js';
import { missingPathsCommand, parseMissingPaths, removePathsCommand } from '../remote/MissingPaths.js';
import { ReleaseCommands } from '../remote/ReleaseCommands.js';
import type { LockOwner } from '../remote/LockCommands.js';
import { logoutCommand, pickDigest } from '../remote/DockerCommands.js';
import { lastLine } from '../ssh/SshConnection.js';
import { replayedOptions, type DeployConfig } from './DeployConfig.js';
import { planDeploy, type DeployPlan, type PlanContext } from './DeployPlan.js';
import { ReleaseGuard } from './ReleaseGuard.js';
import { runsReleaseTasks } from './releaseTasks/ReleaseTasksConfig.js';
import type { SwitchReport } from './zeroDowntime/ReleaseSwitch.js';
import { SwarmHealth, type StackSnapshot } from '../health/SwarmHealth.js';
import { switchedRollout } from './zeroDowntime/SwitchedRollout.js';
import { preflightSwitch } from './zeroDowntime/SwitchPreflight.js';
import { pendingManifest, releaseContents } from './ReleaseContents.js';

/** `unchanged`: this host was fine, but another failed before the rollout, so none was changed. */
export type HostStatus = 'deployed' | 'rolled-back' | 'failed' | 'unchanged' | 'dry-run';

export interface Timings {
  connectMs?: number;
  pullMs?: number;
  startMs?: number;
  gateMs?: number;
  /** The release tasks (and backup-before) on this host, before the rollout. */
  tasksMs?: number;
}

export interface HostResult {
  host: string;
  status: HostStatus;
  /** The release that runs now. */
  release?: string;
  previous?: string;
  /** The release this run made (running, failed, or planned). */
  attempted: string;
  image?: string;
  digest?: string;
  timings: Timings;
  reason?: string;
  gate?: GateResult;
  /** The watch after the gate, when one was asked for. */
  watch?: WatchResult;
  rollbackGate?: GateResult;
  logs?: { name: string; tail: string }[];
  plan?: string[];
  pruned?: string[];
  /** The zero-downtime switch, when the release ran through it. */
  switch?: SwitchReport;
  /** mode: swarm: the stack as the run left it. */
  stack?: StackSnapshot;
}

export class HostDeployment {
  readonly store: ReleaseStore;
  readonly lock: HostLock;
  readonly result: HostResult;
  private readonly containers: AppHealth;
  private plan!: DeployPlan;
  private manifest!: ReleaseManifest;
  private created = false;
  /** releases/ and .docker when they were not there at the lock: this run's to take away on failure. */
  private missingBefore: string[] = [];
  private stateRead = false;
  /** What phase 1 is doing, for the report when it fails. */
  private step = 'take the lock';
  /** Release ids on the host when the plan was made, for pruning without listing again. */
  private existing: string[] = [];
  private readonly readState: string;
  /** The release current when the plan was made, with its options. */
  private previous?: PlanContext['previous'];

  constructor(
    readonly session: HostSession,
    private readonly cfg: DeployConfig,
    private readonly releaseId: string,
    owner: LockOwner,
    private readonly log: Log,
  ) {
    this.store = new ReleaseStore(session);
    this.lock = new HostLock(session, owner);
    this.containers = appHealth(session.ssh, cfg.app, cfg.mode);
    const { layout } = session;
    this.readState = `${missingPathsCommand([layout.releasesDir, layout.dockerConfig])}; ${new ReleaseCommands(layout).state()}`;
    this.result = {
      host: session.spec.label,
      status: 'failed',
      attempted: releaseId,
      image: cfg.image,
      timings: { connectMs: session.connectMs },
    };
  }

  /** A swarm release: swarm's rolling update switches the tasks, the proxy (if any) stays. */
  private get swarm(): boolean {
    return this.cfg.mode === 'swarm';
  }

  private say(m: string) {
    this.log.info(`${this.session.spec.label}: ${m}`);
  }

  /** Reads what runs now and builds the plan; changes nothing (the dry run). */
  async makePlan(): Promise<DeployPlan> {
    return this.planFrom(await this.store.state());
  }

  private planFrom({ current, releases }: { current?: string; releases: ReleaseEntry[] }): DeployPlan {
    this.stateRead = true;
    this.existing = releases.map((r) => r.id);
    let previous: PlanContext['previous'];
    if (current) {
      const kept = releases.find((r) => r.id === current)?.manifest;
      // Without a release.json that names its files, the previous release starts with this deploy's.
      previous = { id: current, options: kept?.composeFiles ? kept : replayedOptions(this.cfg) };
    }
    this.previous = previous;
    this.result.previous = current;
    this.result.release = current;
    this.plan = planDeploy({
      app: this.cfg.app,
      layout: this.session.layout,
      compose: this.session.compose,
      releaseId: this.releaseId,
      options: replayedOptions(this.cfg),
      image: this.cfg.image,
      registry: this.cfg.registry,
      previous,
      tasks: runsReleaseTasks(this.cfg, this.session.spec.label) ? this.cfg.releaseTasks.tasks : [],
      releaseFiles: this.cfg.releaseFiles && {
        count: this.cfg.releaseFiles.files.length,
        sops: this.cfg.releaseFiles.files.some((f) => f.sops),
      },
    });
    return this.plan;
  }

  /** Phase 1: everything that can fail before a container changes. A failure says at which step. */
  async prepare(): Promise<void> {
    try {
      await this.prepareSteps();
    } catch (err) {
      this.result.status = 'failed';
      this.result.reason = `${this.step}: ${(err as Error).message}`;
      throw err;
    }
  }

  private async prepareSteps(): Promise<void> {
    const { ssh } = this.session;
    // What runs is read under the lock, in the same round trip that takes it.
    const { missing, rest } = parseMissingPaths(
      await this.lock.acquire(this.cfg.lockTimeoutMs, this.log, 1000, this.readState),
    );
    this.missingBefore = missing;
    this.planFrom(parseStoreState(rest));
    this.manifest = pendingManifest(this.cfg, this.releaseId);
    this.step = this.plan.login ? 'log in to the registry and upload the release' : 'upload the release';
    this.say(`uploading release ${this.releaseId}`);
    this.created = true;
    const contents = releaseContents(this.cfg, this.manifest);
    // The login and the writes are independent: one round trip for all of them. All are let finish
    // before a failure counts, so that abandon() never races a write still under way.
    const sent = await Promise.allSettled([
      this.login(),
      ...this.plan.writeFiles.map((w) => ssh.run(`write ${w.name}`, w.command, { stdin: contents[w.name] ?? '' })),
    ]);
    const refused = sent.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (refused) throw refused.reason;
    // Pulling reads and checks the compose files too: a bad file fails here, before any change.
    this.step = 'pull the images';
    this.say('pulling images');
    const pullStart = performance.now();
    const pulled = await ssh.run('pull the images', this.plan.pull, { timeoutMs: 30 * 60_000 });
    this.result.timings.pullMs = performance.now() - pullStart;
    if (this.cfg.zeroDowntime && !this.swarm) {
      this.step = 'check the proxy can take its ports';
      await preflightSwitch(ssh, this.cfg.app, this.cfg.zeroDowntime);
    }
    if (this.cfg.image) {
      this.manifest.digest = pickDigest(this.cfg.image, pulled.stdout.trim().split('\n').pop() ?? '');
      this.result.digest = this.manifest.digest;
    }
  }

  private async login(): Promise<void> {
    if (!this.plan.login || !this.cfg.registry) return;
    const r = await this.session.ssh.exec(this.plan.login, { stdin: this.cfg.registry.password + '\n' });
    if (r.code !== 0)
      throw new InputError(
        'registry-password',
        `${this.cfg.registry.server} refused the login of '${this.cfg.registry.username}' from ${this.session.spec.label}: ${lastLine(r)}`,
      );
  }

  /**
   * Undoes phase 1 after a failure on any host, leaving the host as it was: takes away what this run
   * added (its release; releases/, .docker and the root when they were not there), frees the lock.
   */
  async abandon(): Promise<void> {
    try {
      const added = [...(this.created ? [this.session.layout.release(this.releaseId)] : []), ...this.missingBefore];
      if (added.length) await this.session.ssh.run('remove what this run added', removePathsCommand(added));
    } finally {
      // The login may have happened before another host failed.
      const logout = logoutCommand(this.session.layout.dockerConfig, this.cfg.registry?.server);
      await this.lock.release({ first: logout, removeMadeDirs: true });
    }
  }

  /** For the report when phase 1 stopped before reading it (another host failed, or the lock timed out). */
  async readWhatRuns(): Promise<void> {
    if (this.stateRead) return;
    const { current } = await this.store.state();
    this.result.release = current;
    this.result.previous = current;
  }

  /**
   * Phase 2: start, gate, then keep it or put the previous release back. The host holds the way
   * back until the runner decides (ReleaseGuard): a runner lost mid-way leaves the previous release
   * running, not a release that never passed its gate.
   */
  async rollout(): Promise<HostResult> {
    const r = this.result;
    const goBack = this.cfg.rollbackOnFailure && r.previous ? this.plan.rollback : undefined;
    let guard: ReleaseGuard | undefined;
    try {
      this.say(`starting release ${this.releaseId}`);
      if (this.cfg.zeroDowntime && !this.swarm) return await this.switchRollout();
      const upStart = performance.now();
      const started = await ReleaseGuard.start(this.session.ssh, {
        up: this.plan.up,
        keep: this.plan.activate,
        undo: goBack,
      });
      guard = started.guard;
      const up = started.up;
      r.timings.startMs = performance.now() - upStart;
      if (up.code !== 0) {
        r.reason = `${this.swarm ? 'docker stack deploy' : 'compose up'} failed: ${up.lastLine}`;
      } else {
        const gateStart = performance.now();
        r.gate = await this.gate();
        r.timings.gateMs = performance.now() - gateStart;
        if (r.gate.healthy) {
          r.status = 'deployed';
          r.release = this.releaseId;
          // A watched release is current during its watch, while the host still holds the way back.
          if (this.cfg.watch) await this.store.activate(this.releaseId);
          else await this.keep(guard);
          await this.recordKept(false);
          if (await this.keptAfterWatch()) {
            if (!guard.isDecided) await this.keep(guard);
            return r;
          }
        } else r.reason = r.gate.reason;
      }
      // Not healthy: keep the evidence, then go back if we can.
      r.logs = await this.containers.failingLogs();
      await this.store.writeManifest({ ...this.manifest, status: 'failed', failure: r.reason });
      this.say(`release ${this.releaseId} failed: ${r.reason}`);
      if (goBack && r.previous) {
        this.say(`rolling back to ${r.previous}`);
        const back = await guard.decide('undo');
        if (back.code === 0) r.rollbackGate = await this.gate();
        if (back.code === 0 && r.rollbackGate?.healthy) {
          r.status = 'rolled-back';
          r.release = r.previous;
          this.say(`previous release ${r.previous} is back and healthy`);
        } else {
          r.status = 'failed';
          r.release = undefined;
          r.reason += `; rollback to ${r.previous} ${back.code !== 0 ? `could not start: ${back.lastLine}` : `is not healthy either: ${r.rollbackGate?.reason}`}`;
        }
      } else {
        await guard.decide('leave');
        r.status = 'failed';
        r.release = r.previous ? undefined : this.releaseId;
        if (!r.previous) r.reason += ' (first release: nothing to roll back to; it is left running for inspection)';
        else if (!this.cfg.rollbackOnFailure) r.reason += ' (rollback-on-failure is false: left running)';
      }
      await this.history(r.status);
      return r;
    } finally {
      // Undecided (an error on the way): the host goes back, as it would for a lost runner.
      if (guard && !guard.isDecided) await guard.decide('undo').catch(() => undefined);
      await this.lock.release({ first: this.plan.logout });
    }
  }

  /** Tells the host to keep the release: it points `current` at it. */
  private async keep(guard: ReleaseGuard): Promise<void> {
    const kept = await guard.decide('keep');
    if (kept.code !== 0) throw new Error(`pointing current at ${this.releaseId} failed: ${kept.lastLine}`);
  }

  /** True when no watch was asked for or no trigger tripped; else the reason names the trigger. */
  private async keptAfterWatch(): Promise<boolean> {
    if (!this.cfg.watch) return true;
    const r = this.result;
    r.watch = await watchOnHost(this.session, this.containers, this.cfg.health, this.cfg.watch, this.log);
    if (!r.watch.tripped) {
      this.say(
        `release ${this.releaseId} stays: no rollback trigger tripped in its ${formatMs(r.watch.watchedMs)} watch`,
      );
      return true;
    }
    r.reason = `rollback trigger ${describeTrip(r.watch.tripped)}`;
    return false;
  }

  /** The healthy release is current (pointed at here when `activate`); old ones beyond keep-releases go. */
  private async recordKept(activate: boolean): Promise<void> {
    const r = this.result;
    // Independent writes, each on its own channel of the one connection.
    r.pruned = releasesToPrune([...this.existing, this.releaseId], this.cfg.keepReleases, [this.releaseId, r.previous]);
    await Promise.all([
      activate ? this.store.activate(this.releaseId) : undefined,
      this.store.writeManifest({ ...this.manifest, status: 'active' }),
      this.store.remove(r.pruned),
      this.history('deployed'),
    ]);
    this.say(
      `release ${this.releaseId} is healthy and current${r.pruned.length ? `; pruned ${r.pruned.join(', ')}` : ''}`,
    );
  }

  /** The zero-downtime rollout (SwitchedRollout): the old containers serve until it is decided. */
  private switchRollout(): Promise<HostResult> {
    return switchedRollout({
      session: this.session,
      cfg: this.cfg,
      releaseId: this.releaseId,
      result: this.result,
      plan: this.plan,
      log: this.log,
      previous: this.previous,
      recordKept: (activate) => this.recordKept(activate),
      watch: () => this.keptAfterWatch(),
      recordFailed: () => this.store.writeManifest({ ...this.manifest, status: 'failed', failure: this.result.reason }),
      history: (result) => this.history(result),
      gate: () => this.gate(),
    });
  }

  /** mode: swarm: reads the stack as the run left it, for the run page. */
  async readStack(): Promise<void> {
    if (this.containers instanceof SwarmHealth) this.result.stack = await this.containers.snapshot();
  }

  private gate(): Promise<GateResult> {
    return gateOnHost(this.session, this.containers, this.cfg.health, this.log);
  }

  private history(result: string): Promise<void> {
    return this.store.appendHistory({
      time: new Date().toISOString(),
      event: 'deploy',
      release: this.releaseId,
      from: this.result.previous,
      result,
      image: this.cfg.image,
      digest: this.result.digest,
      actor: this.cfg.meta.actor,
      runUrl: this.cfg.meta.runUrl,
      reason: this.result.reason,
    });
  }
}
