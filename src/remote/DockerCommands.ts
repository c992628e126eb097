// Plain docker command lines, the same on both Compose versions.
import { line, type Argv } from './Shell.js';

/** Format of one container line in `containerStates`: service, state, exit code, health, name. */
const STATE_FORMAT =
  '{{index .Config.Labels "com.docker.compose.service"}}\t{{.State.Status}}\t{{.State.ExitCode}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}\t{{.Name}}\t{{.Id}}';

export interface ContainerState {
  service: string;
  status: string;
  exitCode: number;
  health?: string;
  name: string;
  id: string;
}

export function loginCommand(dockerConfig: string, registry: string, username: string): string {
  // The password arrives on stdin: never on a command line, never on the runner's disk.
  return `mkdir -p ${line([dockerConfig])} && chmod 700 ${line([dockerConfig])} && ${line([
    'env',
    `DOCKER_CONFIG=${dockerConfig}`,
    'docker',
    'login',
    '--username',
    username,
    '--password-stdin',
    registry,
  ])}`;
}

export function repoDigestsCommand(image: string): Argv {
  return ['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', image];
}

/** States of every container of the compose project, running or not. */
export function containerStatesCommand(project: string): string {
  const ps = line(['docker', 'ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
  const inspect = line(['xargs', '-r', 'docker', 'inspect', '--format', STATE_FORMAT]);
  return `${ps} | ${inspect}`;
}

export function parseContainerStates(stdout: string): ContainerState[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [service = '', status = '', exit = '0', health = '', name = '', id = ''] = l.split('\t');
      return { service, status, exitCode: Number(exit), health: health || undefined, name: name.replace(/^\//, ''), id };
    });
}

export function logsTailCommand(containerId: string, lines = 30): Argv {
  return ['docker', 'logs', '--tail', String(lines), containerId];
}

/** Picks the registry digest for `image` from `docker image inspect`'s RepoDigests. */
export function pickDigest(image: string, repoDigestsJson: string): string | undefined {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image);
  if (pinned) return pinned[1];
  let list: string[] = [];
  try {
    list = JSON.parse(repoDigestsJson.trim() || '[]') ?? [];
  } catch {
    return undefined;
  }
  const repo = repositoryOf(image);
  const hit = list.find((d) => d.split('@')[0] === repo) ?? list[0];
  return hit?.split('@')[1];
}

/** `ghcr.io/a/b:tag` → `ghcr.io/a/b`; `nginx` → `nginx`; keeps a registry port. */
export function repositoryOf(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
