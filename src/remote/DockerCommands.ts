// Plain docker command lines, the same on both Compose versions.
import { line, quiet, type Argv } from './Shell.js';

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

/**
 * Ends the run's registry login on the host: `docker logout` (which also clears a credential
 * helper's copy) and the app's private DOCKER_CONFIG removed, so no token outlives the run that
 * sent it. Without a registry (a login an earlier version kept), only the folder goes.
 */
export function logoutCommand(dockerConfig: string, registry?: string): string {
  const logout = registry
    ? `${line(['env', `DOCKER_CONFIG=${dockerConfig}`, 'docker', 'logout', registry])} >/dev/null 2>&1; `
    : '';
  return `if [ -d ${line([dockerConfig])} ]; then ${logout}${line(['rm', '-rf', dockerConfig])}; fi`;
}

export function repoDigestsCommand(image: string): Argv {
  return ['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', image];
}

/**
 * Every container of the compose project, running or not, as `docker inspect` JSON. Parsed here
 * rather than with --format: newer clients fail templates on keys an older engine leaves out.
 */
export function containerStatesCommand(project: string): string {
  const ps = line(['docker', 'ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
  return `${ps} | ${line(['xargs', '-r', 'docker', 'inspect'])}`;
}

interface InspectJson {
  Id?: string;
  Name?: string;
  Config?: { Labels?: Record<string, string> };
  State?: { Status?: string; ExitCode?: number; Health?: { Status?: string } };
}

export function parseContainerStates(stdout: string): ContainerState[] {
  if (!stdout.trim()) return [];
  const list = JSON.parse(stdout) as InspectJson[];
  return list.map((c) => ({
    service: c.Config?.Labels?.['com.docker.compose.service'] ?? '',
    status: c.State?.Status ?? 'unknown',
    exitCode: c.State?.ExitCode ?? 0,
    health: c.State?.Health?.Status || undefined,
    name: (c.Name ?? '').replace(/^\//, ''),
    id: c.Id ?? '',
  }));
}

export function logsTailCommand(containerId: string, lines = 30): Argv {
  return ['docker', 'logs', '--tail', String(lines), containerId];
}

/** Picks the registry digest for `image` from `docker image inspect`'s RepoDigests. */
export function pickDigest(image: string, repoDigestsJson: string): string | undefined {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image);
  if (pinned) return pinned[1];
  let list: string[];
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

export function stopContainersCommand(ids: string[]): Argv {
  return ['docker', 'stop', ...ids];
}

export function startContainersCommand(ids: string[]): Argv {
  return ['docker', 'start', ...ids];
}

/** Exit 0 when the host has the image. */
export function imagePresentCommand(image: string): string {
  return quiet(['docker', 'image', 'inspect', '--format', '{{.Id}}', image]);
}

/** Pulls the image, with the app's registry login when it has one. */
export function pullCommand(image: string, dockerConfig?: string): Argv {
  return [...(dockerConfig ? ['env', `DOCKER_CONFIG=${dockerConfig}`] : []), 'docker', 'pull', '--quiet', image];
}
