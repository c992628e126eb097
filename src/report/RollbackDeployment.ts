// The GitHub Deployment a rollback records: the release it put back, for that release's commit, so
// the Environments page shows what runs again. Started (in_progress) as soon as the hosts chose the
// release, which is when its commit is known, and finished with the rollback's result; nothing is
// recorded when nothing changed (a dry run, a `to` that matched nothing).
import type { Log } from '../report/Log.js';
import { startDeployment, type Deployment, type DeploymentTarget } from './Deployments.js';

/** What of a rollback's outcome the record needs (RollbackOutcome has this shape). */
export interface RolledBack {
  status: 'rolled-back' | 'failed' | 'dry-run';
  hosts: (ChosenHost & { status: string })[];
  error?: Error;
}

/** A host once the release to put back is chosen there (HostRollbackResult has this shape). */
export interface ChosenHost {
  host: string;
  target?: string;
  release?: string;
  image?: string;
  gitSha?: string;
}

export interface RollbackRecord {
  /** The hosts chose the release: the deployment is made and marked in_progress (not awaited here). */
  start(chosen: ChosenHost[]): void;
  /** Its last status, from the rollback's outcome; returns the deployment's id when one was made. */
  finish(o: RolledBack): Promise<number | undefined>;
  /** The rollback threw after it started: the deployment failed. */
  fail(err: unknown): Promise<void>;
}

export function rollbackRecord(
  target: DeploymentTarget | undefined,
  app: string,
  reason: string | undefined,
  log: Log,
): RollbackRecord {
  let started: Promise<Deployment> | undefined;
  let first: ChosenHost | undefined;
  const why = reason ? ` (${reason})` : '';
  return {
    start(chosen) {
      if (!target || started) return;
      first = chosen.find((h) => h.gitSha);
      if (!first?.gitSha) {
        log.debug('GitHub Deployments: not recorded (the release put back recorded no commit)');
        return;
      }
      const hosts = chosen.map((h) => h.host);
      started = startDeployment(
        target,
        {
          sha: first.gitSha,
          task: 'deploy:rollback',
          description: `njord: rolling ${app} back to ${first.target}${why}`,
          payload: { app, release: first.target, image: first.image ?? null, hosts, reason: reason ?? null },
        },
        log,
      );
    },
    async finish(o) {
      if (!started) {
        log.debug('GitHub Deployments: not recorded (the rollback changed nothing)');
        return undefined;
      }
      const deployment = await started;
      const hosts = o.hosts.map((h) => h.host);
      const where = hosts.length === 1 ? hosts[0] : `${hosts.length} hosts`;
      if (o.status === 'rolled-back')
        await deployment.finish('success', `${app} is back on ${first?.target} on ${where}${why}`);
      else
        await deployment.finish(
          'failure',
          `${app}: rollback to ${first?.target} failed on ${o.hosts
            .filter((h) => h.status === 'failed')
            .map((h) => h.host)
            .join(', ')}`,
        );
      return deployment.id;
    },
    async fail(err) {
      if (!started) return;
      await (await started).finish('failure', `failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  };
}
