// Backup and restore of an app that runs as a swarm stack (mode: swarm). Only host directories
// (`paths`) on the host named can honestly be copied there: a stack's named volume is created
// separately on each node that runs a task mounting it, its databases run on whichever node swarm
// placed them, and stopping its services on one host only makes swarm start tasks again. So the
// rest is refused, naming the input and the way that works, before any lock is taken.
import { posix } from 'node:path';
import type { HostSession } from '../ssh/HostSession.js';
import { InputError } from '../inputs/InputError.js';
import { swarmProbeCommand } from '../remote/backup/SwarmProbeCommand.js';
import type { ArchiveEntry } from './BackupManifest.js';

export interface SwarmFacts {
  /** This host is a manager that lists a stack of the app's name. */
  stack: boolean;
  /** The nodes the stack's running tasks are on (a manager's view). */
  nodes: string[];
  /** The stack's task containers on this node. */
  localTasks: number;
  /** The stack's volumes on this node. */
  localVolumes: number;
  /** The `mode` of the current release's release.json (`swarm`, or undefined for Compose). */
  releaseMode?: string;
}

export function parseSwarmFacts(stdout: string): SwarmFacts {
  const lines = stdout.split('\n');
  const field = (name: string) => (lines.find((l) => l.startsWith(`${name} `)) ?? '').slice(name.length + 1).trim();
  const count = (name: string) => Number.parseInt(field(name), 10) || 0;
  const json = lines.slice(4).join('\n').trim();
  let releaseMode: string | undefined;
  try {
    releaseMode = json ? (JSON.parse(json) as { mode?: string }).mode : undefined;
  } catch {
    releaseMode = undefined;
  }
  return {
    stack: count('stack') > 0,
    nodes: field('nodes').split(/\s+/).filter(Boolean),
    localTasks: count('tasks'),
    localVolumes: count('volumes'),
    releaseMode,
  };
}

export async function readSwarmFacts(s: HostSession, app: string): Promise<SwarmFacts> {
  const manifest = posix.join(s.layout.current, 'release.json');
  return parseSwarmFacts((await s.ssh.run('check for a swarm stack', swarmProbeCommand(app, manifest))).stdout);
}

/** Why the app counts as a swarm stack on the host; undefined when it does not. */
export function swarmEvidence(f: SwarmFacts, app: string): string | undefined {
  if (f.releaseMode === 'swarm') return `its current release was deployed with mode: swarm`;
  if (f.stack) return `this manager lists the stack ${app}`;
  if (f.localTasks) return `${f.localTasks} task container(s) of the stack ${app} are on this node`;
  if (f.localVolumes) return `${f.localVolumes} volume(s) of the stack ${app} are on this node`;
  return undefined;
}

export interface SwarmRequest {
  /** undefined: every volume of the app; []: none. */
  volumes?: string[];
  /** undefined: not given (restore: everything in the backup). */
  paths?: string[];
  databases?: string[];
  /** undefined: not given (restore: the services using what is restored); []: none. */
  stopServices?: string[];
}

const PIN = (app: string, nodes: string[]) =>
  `pin the service that keeps the data to one node (deploy.placement.constraints: [node.hostname == ${nodes[0] ?? '<node>'}]), keep its data in a bind-mounted host directory (such as /srv/${app}/data), and back that directory up with paths, with hosts naming that node`;

/**
 * The refusal for a backup (or, with `restore`, a restore's inputs) of a swarm stack, or undefined
 * when the app is not one on this host or only paths were asked for.
 */
export function swarmRefusal(
  facts: SwarmFacts,
  ctx: { app: string; host: string; action: 'backup' | 'restore' },
  req: SwarmRequest,
): InputError | undefined {
  const evidence = swarmEvidence(facts, ctx.app);
  if (!evidence) return undefined;
  const { app, host, action } = ctx;
  const is = `${app} runs as a swarm stack on ${host} (${evidence})`;
  const where = facts.nodes.length ? ` (its tasks run on ${facts.nodes.join(', ')})` : '';
  const only = `${action === 'backup' ? 'Backing up' : 'Restoring'} a stack covers host directories (paths) only`;
  if (req.databases?.length)
    return new InputError(
      'databases',
      `${is}: its databases run as tasks on whichever node swarm placed them${where}, so they cannot be dumped or loaded from ${host}. ${only}: have the database write its dumps into a bind-mounted host directory on the node it is pinned to (deploy.placement.constraints), and ${action === 'backup' ? 'back up' : 'restore'} that directory with paths on that node.`,
    );
  if (req.stopServices?.length)
    return new InputError(
      'stop-services',
      `${is}: stopping a stack's containers on one host does not stop its services, swarm starts their tasks again (here or on another node)${where}. Remove stop-services; for a consistent copy, ${action === 'backup' ? 'back up' : 'restore'} a directory the service writes whole, such as its dump directory.`,
    );
  if (req.volumes?.length || (req.volumes === undefined && action === 'backup'))
    return new InputError(
      'volumes',
      `${is}: a stack's named volume is not one volume, swarm creates ${app}_<name> separately on each node that runs a task mounting it${where}, so the copy on ${host} may be empty or stale. ${only}: set volumes: none and give paths. To keep a volume's data, ${PIN(app, facts.nodes)}.`,
    );
  if (action === 'backup' && !req.paths?.length)
    return new InputError(
      'paths',
      `${is}: backing up a stack covers host directories only; give the directories in paths (and volumes: none).`,
    );
  return undefined;
}

/** A restore of a swarm stack puts back paths only: a backup's volume or database archives are refused. */
export function swarmArchivesRefusal(
  facts: SwarmFacts,
  ctx: { app: string; host: string; backupId: string },
  selected: ArchiveEntry[],
): InputError | undefined {
  const evidence = swarmEvidence(facts, ctx.app);
  if (!evidence) return undefined;
  const other = selected.filter((a) => a.kind !== 'path');
  if (!other.length) return undefined;
  const names = other.map((a) => `${a.kind} ${a.name}`).join(', ');
  const input = other.some((a) => a.kind === 'volume') ? 'volumes' : 'databases';
  return new InputError(
    input,
    `${ctx.app} runs as a swarm stack on ${ctx.host} (${evidence}): backup ${ctx.backupId} holds ${names}, which a stack's tasks on other nodes would not see. Restoring a stack covers host directories only: name them in paths (with volumes: none).`,
  );
}
