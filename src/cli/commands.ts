// The CLI's commands: each reads the same inputs as its action (declared in that action.yml) and
// calls the same core; only where inputs come from and where the report goes differ.
import { execFileSync } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { readConnection, type ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { notifyAll, readWebhooks } from '../report/Notify.js';
import { deployEvent, rollbackEvent, type NotifyContext } from '../report/NotifyEvents.js';
import type { RunMeta } from '../deploy/DeployConfig.js';
import { readDeployConfig } from '../deploy/DeployConfig.js';
import { readReleaseFiles } from '../deploy/readReleaseFiles.js';
import { deploy } from '../deploy/Deployer.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { Log } from '../report/Log.js';
import { deployFailure, deployOutputs, deploySummary } from '../report/DeployReport.js';
import { RunSummary } from '../report/SummaryMarkdown.js';
import { listReleases, releasesSummary } from '../rollback/ReleaseHistory.js';
import { rollback } from '../rollback/Rollback.js';
import { readRollbackConfig } from '../rollback/RollbackConfig.js';
import { unlockHosts, type LockState } from '../release/LockStatus.js';
import { rollbackFailure, rollbackOutputs, rollbackSummary } from '../rollback/RollbackReport.js';
import type { HeldLock } from '../runtime/heldLocks.js';
import { readHealthGateConfig } from '../health/HealthGateConfig.js';
import { healthGateSummary } from '../health/HealthGateReport.js';
import { healthGateFailure, healthGateOutputs, runHealthGate } from '../health/HealthGateRun.js';

export interface CliRun {
  inputs: InputReader;
  log: Log;
  cwd: string;
  /** Told which locks the run holds, so that Ctrl-C frees them (the actions' post step does). */
  onLocks: (cfg: ConnectionConfig) => (held: HeldLock[]) => void;
  /** Asks the person at the terminal (yes with --yes; no when nobody can answer). */
  confirm: (question: string) => Promise<boolean>;
}

export interface CliResult {
  report: RunSummary;
  outputs: Record<string, string | number | boolean | undefined>;
  /** Set when the command did not do what was asked (the action would fail its step). */
  failure?: string;
}

export interface CliCommand {
  name: string;
  summary: string;
  /** Whose action.yml declares the inputs ('.' is the root action, the deploy). */
  actionDir: string;
  /** Only these of the action's inputs (default: all). */
  only?: string[];
  /** Inputs that hold secrets: never taken from a flag's value. */
  secrets: string[];
  run(r: CliRun): Promise<CliResult>;
}

/** Who ran it, for locks and the history: no GitHub run here, so the person at this machine. */
export function terminalMeta(cwd: string, env = process.env): RunMeta {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    actor: env.NJORD_ACTOR || `${userInfo().username}@${hostname()}`,
    gitSha: git(['rev-parse', 'HEAD']),
    ref: git(['symbolic-ref', '-q', 'HEAD']),
  };
}

/** Who and where, for a webhook told from the terminal: the person here, no run link. */
function cliNotifyContext(cfg: { app: string; hosts: { label: string }[]; meta: RunMeta }): NotifyContext {
  return { app: cfg.app, hosts: cfg.hosts.map((h) => h.label), actor: cfg.meta.actor };
}

export const commands: CliCommand[] = [
  {
    name: 'deploy',
    summary: 'a new release of the compose app on each host, health-gated, rolled back when it fails',
    actionDir: '.',
    secrets: ['ssh-key', 'secrets', 'registry-password', 'github-token', 'notify', 'sops-age-key'],
    async run({ inputs, log, cwd, onLocks }) {
      const webhooks = readWebhooks(inputs);
      const cfg = readDeployConfig(inputs, cwd, terminalMeta(cwd));
      cfg.releaseFiles = await readReleaseFiles(inputs, cfg, cwd);
      const started = Date.now();
      const o = await deploy(cfg, log, { onLocks: onLocks(cfg) });
      if (!cfg.dryRun) await notifyAll(webhooks, deployEvent(cliNotifyContext(cfg), o), log);
      return {
        report: deploySummary(cfg.app, o, { tookMs: Date.now() - started }),
        outputs: deployOutputs(o),
        failure: deployFailure(cfg.app, o, 'the report'),
      };
    },
  },
  {
    name: 'rollback',
    summary: 'put a kept release back as it ran (to: previous, a release id, or an image it ran)',
    actionDir: 'actions/rollback',
    secrets: ['ssh-key', 'registry-password', 'github-token', 'notify'],
    async run({ inputs, log, cwd, onLocks }) {
      const webhooks = readWebhooks(inputs);
      const cfg = readRollbackConfig(inputs, terminalMeta(cwd));
      const o = await rollback(cfg, log, { onLocks: onLocks(cfg) });
      if (o.status !== 'dry-run') await notifyAll(webhooks, rollbackEvent(cliNotifyContext(cfg), o), log);
      return {
        report: rollbackSummary(cfg.app, o),
        outputs: rollbackOutputs(o),
        failure: rollbackFailure(cfg.app, o),
      };
    },
  },
  {
    name: 'health-gate',
    summary: 'wait until URLs answer as expected, from here or through an SSH tunnel into each host',
    actionDir: 'actions/health-gate',
    // Headers carry tokens (Authorization): a flag's value shows in the process list.
    secrets: ['ssh-key', 'headers'],
    async run({ inputs, log }) {
      const cfg = readHealthGateConfig(inputs);
      const o = await runHealthGate(cfg, log, 'this machine');
      return { report: healthGateSummary(o, cfg.spec), outputs: healthGateOutputs(o), failure: healthGateFailure(o) };
    },
  },
  {
    name: 'releases',
    summary: 'the releases kept on each host and the last deploys and rollbacks',
    actionDir: 'actions/rollback',
    only: ['hosts', 'ssh-key', 'known-hosts', 'app', 'remote-dir'],
    secrets: ['ssh-key'],
    async run({ inputs, log }) {
      const cfg = readConnection(inputs);
      const hosts = await listReleases(cfg, log);
      return {
        report: releasesSummary(cfg.app, hosts),
        outputs: { current: hosts[0]?.current, releases: hosts[0]?.releases.length },
      };
    },
  },
  {
    name: 'unlock',
    summary: 'show who holds the app lock on each host, and free it when you say so (--yes: without asking)',
    actionDir: 'actions/rollback',
    only: ['hosts', 'ssh-key', 'known-hosts', 'app', 'remote-dir'],
    secrets: ['ssh-key'],
    async run({ inputs, log, confirm }) {
      const cfg = readConnection(inputs);
      const hosts = await unlockHosts(cfg, log, confirm);
      const kept = hosts.filter((h) => h.holder && !h.freed);
      return {
        report: unlockSummary(cfg.app, hosts),
        outputs: { locked: kept.length, freed: hosts.filter((h) => h.freed).length },
        failure: kept.length ? `${kept.map((h) => h.host).join(', ')}: the lock was left held` : undefined,
      };
    },
  },
];

function unlockSummary(app: string, hosts: LockState[]): RunSummary {
  const held = hosts.filter((h) => h.holder);
  const s = new RunSummary(`Lock of ${app}`).headline(
    held.every((h) => h.freed) ? 'success' : 'warning',
    held.length ? `${held.filter((h) => h.freed).length} of ${held.length} held locks freed` : 'no host is locked',
  );
  s.table(
    ['Host', 'Held by', 'Its connection', 'Freed'],
    hosts.map((h) => [
      h.host,
      h.holder?.owner ?? 'nobody',
      h.holder?.connection ?? '',
      h.holder ? (h.freed ? 'yes' : 'no') : '',
    ]),
  );
  return s;
}
