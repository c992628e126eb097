// Swarm command lines for one release of one app (mode: swarm): the stack is the app, deployed from
// the release directory with the release's env file sourced, so variables never touch argv; and
// what the gate reads of the stack from a manager. Pure strings; the deploy and rollback run them.
import { line, quote, type Argv } from './Shell.js';

export interface StackTarget {
  /** The stack's name: the app. */
  stack: string;
  /** The release directory: compose files and release.env live here; relative paths are read from it. */
  dir: string;
  files: string[];
  envFile: string;
  /** DOCKER_CONFIG for private registries: --with-registry-auth hands the login to the nodes. */
  dockerConfig?: string;
  /** Set after the env file is sourced (the rollback pins IMAGE to a digest). Never secrets (argv). */
  overrides?: Record<string, string>;
}

export class StackCommands {
  constructor(private readonly t: StackTarget) {}

  /**
   * Deploys (or updates) the stack: swarm rolls the services whose spec changed, and --prune takes
   * away services the files no longer name. Volumes are never removed.
   */
  deploy(): Argv {
    const assignments = Object.entries(this.t.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
    if (this.t.dockerConfig) assignments.unshift(`DOCKER_CONFIG=${this.t.dockerConfig}`);
    const env = assignments.length ? ['env', ...assignments] : [];
    // `sh` enters the release directory and sources the env file ($1, $2), then execs docker.
    const withEnv = [
      'sh',
      '-c',
      'cd "$1" && set -a && . "$2" && set +a && shift 2 && exec "$@"',
      'njord-env',
      this.t.dir,
      this.t.envFile,
    ];
    const files = this.t.files.flatMap((f) => ['--compose-file', f]);
    return [...withEnv, ...env, 'docker', 'stack', 'deploy', '--with-registry-auth', '--prune', ...files, this.t.stack];
  }
}

/** `active true` on a manager of an active swarm (`active false` on a worker, `inactive false` outside one). */
export function swarmRoleCommand(): string {
  return `docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'`;
}

/**
 * The stack as the gate reads it, in one round trip: `docker service inspect` of every service of
 * the stack (JSON), a separator, then every task of the stack as `docker stack ps` lines
 * (service name, image, desired state, current state, error; tab separated).
 */
export function stackStateCommand(stack: string): string {
  const ids = line(['docker', 'stack', 'services', '--quiet', stack]);
  const tasks = line([
    'docker',
    'stack',
    'ps',
    '--no-trunc',
    '--format',
    '{{.Name}}\t{{.Image}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Node}}\t{{.Error}}',
    stack,
  ]);
  return `ids=$(${ids}) && if [ -n "$ids" ]; then docker service inspect $ids; else echo '[]'; fi && echo ${STACK_SEPARATOR} && { ${tasks} 2>/dev/null || true; }`;
}

export const STACK_SEPARATOR = '--njord-tasks--';

/** A service's last log lines, from every node that ran its tasks. */
export function serviceLogsCommand(service: string, lines = 30): string {
  return `${line(['docker', 'service', 'logs', '--no-task-ids', '--tail', String(lines), service])} 2>&1`;
}

/** Exit 0 when the manager has a stack of this name. */
export function stackExistsCommand(stack: string): string {
  return `docker stack ls --format '{{.Name}}' | grep -qxF ${quote(stack)}`;
}
