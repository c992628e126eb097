// Which builder the runner has: buildx (GitHub's runners, Docker Desktop) or only the classic
// `docker build` (older engines, this project's sandbox). Quick CLI calls, parsed here; on Linux a
// look at the CLI's plugin folders first spares a docker process where there is no buildx.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DockerCli } from './DockerCli.js';
import { userDockerConfigDir } from './DockerLogin.js';

export type Builder =
  { kind: 'buildx'; version: string; name: string; driver: string } | { kind: 'classic'; why: string };

/** `docker buildx inspect` (any buildx version): the builder's name and driver, before its nodes. */
export function parseBuildxInspect(stdout: string): { name: string; driver: string } | undefined {
  const head = stdout.split(/^Nodes:/m)[0] ?? '';
  const name = /^Name:\s*(\S+)/m.exec(head)?.[1];
  const driver = /^Driver:\s*(\S+)/m.exec(head)?.[1];
  return name && driver ? { name, driver } : undefined;
}

/** `github.com/docker/buildx v0.12.1 30feaa1` → `v0.12.1`. */
export function parseBuildxVersion(stdout: string): string | undefined {
  return /\bv?\d+\.\d+\.\d+\S*/.exec(stdout.trim())?.[0];
}

/** Where the docker CLI looks for plugins on Linux: the user's, the config's extra ones, the system's. */
export function pluginDirs(configDir: string, configJson: string): string[] {
  let extra: string[] = [];
  try {
    const dirs = (JSON.parse(configJson) as { cliPluginsExtraDirs?: unknown }).cliPluginsExtraDirs;
    if (Array.isArray(dirs)) extra = dirs.filter((d): d is string => typeof d === 'string');
  } catch {
    // no config, or not JSON: the defaults
  }
  return [
    join(configDir, 'cli-plugins'),
    ...extra,
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
  ];
}

function hasBuildxPlugin(): boolean {
  if (process.platform !== 'linux') return true; // other layouts: let the CLI say
  const dir = userDockerConfigDir();
  let config = '';
  try {
    config = readFileSync(join(dir, 'config.json'), 'utf8');
  } catch {
    // none
  }
  return pluginDirs(dir, config).some((d) => existsSync(join(d, 'docker-buildx')));
}

export async function detectBuilder(docker: DockerCli): Promise<Builder> {
  const noPlugin: Builder = { kind: 'classic', why: 'the docker CLI has no buildx plugin' };
  if (!hasBuildxPlugin()) return noPlugin;
  const version = await docker.run(['buildx', 'version']);
  if (version.code !== 0) return noPlugin;
  const inspect = await docker.run(['buildx', 'inspect']);
  const builder = inspect.code === 0 ? parseBuildxInspect(inspect.stdout) : undefined;
  if (!builder) return { kind: 'classic', why: `buildx has no usable builder: ${inspect.stderr.trim()}` };
  return { kind: 'buildx', version: parseBuildxVersion(version.stdout) ?? 'unknown', ...builder };
}
