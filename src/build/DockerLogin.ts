// The action's own Docker login: a private DOCKER_CONFIG folder under RUNNER_TEMP (0700), so the
// credentials never land in the runner user's ~/.docker and are gone when the step ends. The
// password reaches docker through stdin; docker keeps its auth in that folder's config.json (its own
// credential storage, as docker/login-action's), which logout() and removal delete.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { explainLoginFailure } from './DockerErrors.js';
import type { DockerCli } from './DockerCli.js';

/** Folders of the user's docker config that the private one links to: plugins, builders, contexts. */
const SHARED = ['cli-plugins', 'buildx', 'contexts'];

interface ConfigJson {
  auths?: Record<string, unknown>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * Makes the private config folder. It keeps the user's settings and other registries' logins (a
 * base image may need them), but not a credential store, so this login stays in the folder.
 */
export function createDockerConfig(runnerTemp: string, registry: string, userConfig = userDockerConfigDir()): string {
  const dir = mkdtempSync(join(runnerTemp, 'njord-docker-'));
  chmodSync(dir, 0o700);
  let config: ConfigJson = {};
  try {
    config = JSON.parse(readFileSync(join(userConfig, 'config.json'), 'utf8')) as ConfigJson;
  } catch {
    // none, or unreadable: start empty
  }
  delete config.credsStore;
  if (config.credHelpers) delete config.credHelpers[registry];
  if (config.auths) delete config.auths[registry];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2), { mode: 0o600 });
  for (const name of SHARED)
    if (existsSync(join(userConfig, name))) symlinkSync(join(userConfig, name), join(dir, name));
  return dir;
}

export function userDockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/** `docker login --password-stdin`; a refusal becomes an error that says what to fix. */
export async function login(docker: DockerCli, registry: string, username: string, password: string): Promise<void> {
  const r = await docker.run(['login', '--username', username, '--password-stdin', registry], { input: password });
  if (r.code !== 0) throw new Error(explainLoginFailure(registry, username, `${r.stdout}\n${r.stderr}`));
}

/** Logs out and deletes the folder; safe to call twice (main's end, then post). */
export async function logoutAndRemove(docker: DockerCli, registry: string, dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  try {
    await docker.withConfig(dir).run(['logout', registry]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return true;
}
