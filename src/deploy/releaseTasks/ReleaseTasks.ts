// Release tasks: after every host pulled the new release and before any host switches, an optional
// backup of what the app keeps (backup-before), then each `SERVICE: command` in a one-off container
// of the new release, on the first host or on each in turn. The first task that fails stops the
// deploy: the caller abandons the release everywhere, so nothing that runs is changed.
import { backupBeforeDeploy } from '../../backup/Backup.js';
import { listBackups } from '../../backup/BackupList.js';
import type { Log } from '../../report/Log.js';
import { releaseTaskCommand, type ReleaseTask } from '../../remote/ReleaseTaskCommands.js';
import type { HostSession } from '../../ssh/HostSession.js';
import { replayedOptions, type DeployConfig } from '../DeployConfig.js';
import { composeFor } from '../DeployPlan.js';
import { runsReleaseTasks } from './ReleaseTasksConfig.js';
import { TaskOutput } from './TaskOutput.js';

export interface TaskRun extends ReleaseTask {
  host: string;
  exitCode: number;
  ms: number;
  /** The last lines it printed (stdout and stderr, in order). */
  tail: string[];
}

export interface PreDeployBackup {
  host: string;
  id: string;
}

export interface ReleaseTasksOutcome {
  runs: TaskRun[];
  /** The task that stopped the deploy. */
  failed?: TaskRun;
  /** backup-before's backups (none on a host with nothing to back up yet). */
  backups: PreDeployBackup[];
}

/** A host as the tasks need it: its session, and the result whose timings get the tasks' time. */
export interface TaskHost {
  session: HostSession;
  result: { timings: { tasksMs?: number } };
}

/** Undefined when the deploy has no tasks and no backup-before: nothing was done. */
export async function runReleaseTasks(
  hosts: TaskHost[],
  cfg: DeployConfig,
  releaseId: string,
  log: Log,
): Promise<ReleaseTasksOutcome | undefined> {
  const { tasks, backupBefore } = cfg.releaseTasks;
  if (!tasks.length && !backupBefore) return undefined;
  const outcome: ReleaseTasksOutcome = { runs: [], backups: [] };
  if (backupBefore) outcome.backups = await backUpEach(hosts, cfg, log);
  const where = hosts.filter((h) => runsReleaseTasks(cfg, h.session.spec.label));
  for (const host of where) {
    const started = performance.now();
    try {
      for (const task of tasks) {
        const run = await runTask(host.session, cfg, releaseId, task, log);
        outcome.runs.push(run);
        if (run.exitCode !== 0) {
          outcome.failed = run;
          if (!outcome.backups.length) outcome.backups = await backupsOfThisRun(host.session, cfg.meta.runUrl, log);
          return outcome;
        }
      }
    } finally {
      host.result.timings.tasksMs = performance.now() - started;
    }
  }
  return outcome;
}

async function backUpEach(hosts: TaskHost[], cfg: DeployConfig, log: Log): Promise<PreDeployBackup[]> {
  const results = await Promise.all(
    hosts.map((h) =>
      backupBeforeDeploy(h.session, { app: cfg.app, meta: { runUrl: cfg.meta.runUrl, actor: cfg.meta.actor } }, log),
    ),
  );
  return results.flatMap((r) => {
    if (!r) return [];
    if (r.status !== 'complete') throw new Error(`backup-before on ${r.host} failed: ${r.error ?? 'see the log'}`);
    log.info(`${r.host}: backup ${r.id} taken before the release tasks`);
    return [{ host: r.host, id: r.id }];
  });
}

/**
 * A backup this same workflow run took on the host before the deploy (the pipeline's backup step):
 * the one to name when a task failed without backup-before. Best effort: the failure is the news.
 */
async function backupsOfThisRun(
  session: HostSession,
  runUrl: string | undefined,
  log: Log,
): Promise<PreDeployBackup[]> {
  if (!runUrl) return [];
  try {
    const found = (await listBackups(session)).filter((b) => b.manifest?.runUrl === runUrl);
    return found.slice(-1).map((b) => ({ host: session.spec.label, id: b.id }));
  } catch (err) {
    log.warn(`${session.spec.label}: could not list the backups of this run: ${(err as Error).message}`);
    return [];
  }
}

async function runTask(
  session: HostSession,
  cfg: DeployConfig,
  releaseId: string,
  task: ReleaseTask,
  log: Log,
): Promise<TaskRun> {
  const host = session.spec.label;
  const compose = composeFor(
    { app: cfg.app, layout: session.layout, compose: session.compose },
    releaseId,
    replayedOptions(cfg),
    !!cfg.registry,
  );
  log.info(`${host}: release task in ${task.service}: ${task.command}`);
  const output = new TaskOutput(`${host} ${task.service}| `, log);
  const started = performance.now();
  const r = await session.ssh.stream(releaseTaskCommand(compose, task), { stdout: output });
  const run: TaskRun = {
    ...task,
    host,
    exitCode: r.code,
    ms: performance.now() - started,
    tail: output.tail(),
  };
  log.info(`${host}: release task in ${task.service} exited ${r.code} after ${Math.round(run.ms / 1000)} s`);
  return run;
}

/** The one-line reason the deploy stopped, for the host's result and the step's error. */
export function taskFailure(failed: TaskRun): string {
  return `release task \`${failed.service}: ${failed.command}\` exited ${failed.exitCode}`;
}
