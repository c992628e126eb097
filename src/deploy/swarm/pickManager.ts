// In swarm mode `hosts` names managers: the first one that answers as a manager of an active swarm
// deploys; the others are for when it does not. Its session is the run's only one.
import type { Log } from '../../report/Log.js';
import type { HostSession } from '../../ssh/HostSession.js';
import { swarmRoleCommand } from '../../remote/StackCommands.js';

/** Why a connected host cannot deploy a stack, from `docker info`'s swarm state; undefined for a manager. */
export function notAManager(role: string): string | undefined {
  const [state = '', control = ''] = role.trim().split(/\s+/);
  if (state === 'active' && control === 'true') return undefined;
  if (state === 'active') return 'is a worker of the swarm, not a manager: list the managers in hosts';
  if (state === 'inactive' || state === '')
    return 'is not in a swarm: run `docker swarm init` there (or join it to yours), or deploy with mode: compose';
  return `is not an active swarm manager (swarm state: ${state})`;
}

/**
 * The hosts' sessions reduced to the chosen manager's (the others closed), or one failure naming why
 * each host could not be used. Order is the `hosts` order: the first manager wins.
 */
export async function onlyTheManager(
  connected: PromiseSettledResult<HostSession>[],
  labels: string[],
  log: Log,
): Promise<PromiseSettledResult<HostSession>[]> {
  const why = await Promise.all(
    connected.map(async (c) => {
      if (c.status === 'rejected') return `unreachable: ${(c.reason as Error).message}`;
      const r = await c.value.ssh.exec(swarmRoleCommand());
      return r.code === 0 ? notAManager(r.stdout) : `docker info failed: ${r.stderr.trim() || r.stdout.trim()}`;
    }),
  );
  const at = why.findIndex((w) => w === undefined);
  for (const [i, c] of connected.entries()) if (c.status === 'fulfilled' && i !== at) c.value.ssh.close();
  if (at < 0)
    return [
      {
        status: 'rejected',
        reason: new Error(`no swarm manager to deploy through: ${labels.map((l, i) => `${l} ${why[i]}`).join('; ')}`),
      },
    ];
  const skipped = labels.slice(0, at).map((l, i) => `${l} (${why[i]})`);
  log.info(
    `swarm: working through the manager ${labels[at]}${skipped.length ? `; passed over ${skipped.join(', ')}` : ''}`,
  );
  return [connected[at]!];
}
