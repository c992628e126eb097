// The GitHub Deployment a rollback records: the release it put back, for that release's commit, so
// the Environments page shows what runs again. Recorded once the rollback is done (the commit is
// only known once the release is chosen on the hosts); nothing is recorded when nothing changed.
import type { Log } from '../log/Log.js';
import { startDeployment, type DeploymentTarget } from './Deployments.js';

/** What of a rollback's outcome the record needs (RollbackOutcome has this shape). */
export interface RolledBack {
  status: 'rolled-back' | 'failed' | 'dry-run';
  hosts: { host: string; status: string; target?: string; release?: string; image?: string; gitSha?: string }[];
  error?: Error;
}

export async function recordRollback(
  target: DeploymentTarget | undefined,
  app: string,
  o: RolledBack,
  reason: string | undefined,
  log: Log,
): Promise<number | undefined> {
  if (!target) return undefined;
  if (o.status === 'dry-run' || o.error) {
    log.debug('GitHub Deployments: not recorded (the rollback changed nothing)');
    return undefined;
  }
  const first = o.hosts.find((h) => h.gitSha);
  if (!first?.gitSha) {
    log.debug('GitHub Deployments: not recorded (the release put back recorded no commit)');
    return undefined;
  }
  const hosts = o.hosts.map((h) => h.host);
  const where = hosts.length === 1 ? hosts[0] : `${hosts.length} hosts`;
  const why = reason ? ` (${reason})` : '';
  const deployment = await startDeployment(
    target,
    {
      sha: first.gitSha,
      task: 'deploy:rollback',
      description: `njord: rolling ${app} back to ${first.target}${why}`,
      payload: { app, release: first.target, image: first.image ?? null, hosts, reason: reason ?? null },
    },
    log,
  );
  if (o.status === 'rolled-back')
    await deployment.finish('success', `${app} is back on ${first.target} on ${where}${why}`);
  else
    await deployment.finish(
      'failure',
      `${app}: rollback to ${first.target} failed on ${o.hosts
        .filter((h) => h.status === 'failed')
        .map((h) => h.host)
        .join(', ')}`,
    );
  return deployment.id;
}
