// The deploy action's inputs, read and checked into one typed object before any host is touched.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { readConnection, type ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { deployHealthInputs, readHealthSpec, type HealthGateSpec } from '../health/readHealthSpec.js';
import { readWatchSpec, type WatchSpec } from '../health/watch/RollbackTriggers.js';
import { InputError } from '../inputs/InputError.js';
import { isImageReference } from '../inputs/imageReference.js';
import type { InputReader } from '../inputs/InputReader.js';
import { hostVariable } from '../release/EnvFile.js';
import type { ReplayedOptions } from '../release/ReleaseManifest.js';
import { readReleaseTasks, type ReleaseTasksConfig } from './releaseTasks/ReleaseTasksConfig.js';
import type { ReleaseFiles } from '../release/ReleaseFiles.js';
import { OutsideDeployWindow, outsideWindows, parseDeployWindows, type DeployWindow } from './DeployWindows.js';
import { readZeroDowntime, type ZeroDowntimeSpec } from './zeroDowntime/ZeroDowntimeConfig.js';
import { readRollout, type RolloutSpec } from './RolloutBatches.js';
import { checkSwarmHealth, checkSwarmInputs, readMode, type DeployMode } from './swarm/SwarmConfig.js';
import { SWARM_FILE, swarmStackFiles } from './swarm/SwarmStackFiles.js';

export interface ComposeFile {
  /** The name it gets in the release directory. */
  name: string;
  /** Path as the user gave it, for annotations. */
  source: string;
  content: string;
}

export interface RegistryLogin {
  server: string;
  username: string;
  password: string;
}

export interface RunMeta {
  gitSha?: string;
  ref?: string;
  runUrl?: string;
  actor?: string;
  repository?: string;
}

export interface DeployConfig extends ConnectionConfig {
  composeFiles: ComposeFile[];
  image?: string;
  env: Map<string, string>;
  secrets: Map<string, string>;
  registry?: RegistryLogin;
  health: HealthGateSpec;
  rollbackOnFailure: boolean;
  keepReleases: number;
  lockTimeoutMs: number;
  dryRun: boolean;
  meta: RunMeta;
  releaseTasks: ReleaseTasksConfig;
  /** Files the compose files name, and the `files` input's (readReleaseFiles), sent with the release. */
  releaseFiles?: ReleaseFiles;
  deployWindows: DeployWindow[];
  /** Set when the release is watched after its gate. */
  watch?: WatchSpec;
  /** Set when `zero-downtime` lists services: they switch through the proxy. */
  zeroDowntime?: ZeroDowntimeSpec;
  /** How the hosts switch: all at once, or in batches after a canary (RolloutBatches). */
  rollout: RolloutSpec;
  /** `swarm`: hosts are managers; the first reachable one deploys the app as a stack. */
  mode: DeployMode;
}

/** The options this deploy's release keeps in its release.json, for the fallback and the rollback. */
export function replayedOptions(cfg: DeployConfig): ReplayedOptions {
  return {
    composeFiles: cfg.composeFiles.map((f) => f.name),
    zeroDowntime: cfg.zeroDowntime,
    ...(cfg.mode === 'swarm' && { mode: 'swarm' as const }),
  };
}

export function readDeployConfig(
  inputs: InputReader,
  workspace: string,
  meta: RunMeta,
  now = new Date(),
): DeployConfig {
  const connection = readConnection(inputs);
  const mode = readMode(inputs);
  const switched = readZeroDowntime(inputs, readComposeFiles(inputs.list('compose-file'), workspace));
  const composeFiles = mode === 'swarm' ? swarmStackFiles(switched.files, switched.spec) : switched.files;

  const image = inputs.string('image') || undefined;
  if (image && !isImageReference(image))
    throw new InputError(
      'image',
      `'${image}' is not an image reference (registry/name:tag or registry/name@sha256:…, lower case)`,
    );

  const env = inputs.keyValues('env');
  const secrets = inputs.keyValues('secrets', { secret: true });
  for (const [name, map] of [
    ['env', env],
    ['secrets', secrets],
  ] as const) {
    if (image && map.has('IMAGE')) throw new InputError(name, 'sets IMAGE, which the image input sets; remove one');
    for (const [k, v] of map) {
      const why = hostVariable(k);
      if (why)
        throw new InputError(
          name,
          `${k} is not an app variable: it ${why}; rename it (e.g. APP_${k}) and use that name in the compose file`,
        );
      if (v.includes('\0')) throw new InputError(name, `${k} holds a NUL byte, which no environment variable can`);
    }
  }
  for (const k of env.keys())
    if (secrets.has(k)) throw new InputError('secrets', `${k} is also set in env; set it in one place`);

  const registry = readRegistry(inputs, image);
  const health = readHealthSpec(inputs, deployHealthInputs);
  const watch = readWatchSpec(inputs);
  const dryRun = inputs.bool('dry-run', false);
  const deployWindows = parseDeployWindows(inputs.list('deploy-windows', { commas: false }));
  const closed = dryRun ? undefined : outsideWindows(deployWindows, now);
  if (closed) throw new OutsideDeployWindow(closed);

  const releaseTasks = readReleaseTasks(inputs, composeFiles);
  const rollout = readRollout(inputs);
  checkSwarmInputs(mode, rollout, releaseTasks);
  checkSwarmHealth(mode, health);
  return {
    ...connection,
    composeFiles,
    image,
    env,
    secrets,
    registry,
    health,
    rollbackOnFailure: inputs.bool('rollback-on-failure', true),
    keepReleases: inputs.int('keep-releases', 5, { min: 2, max: 1000 }),
    lockTimeoutMs: inputs.seconds('lock-timeout', 300, { min: 0, max: 86_400 }) * 1000,
    dryRun,
    meta,
    releaseTasks,
    deployWindows,
    watch,
    zeroDowntime: switched.spec,
    rollout,
    mode,
  };
}

/** The registry host an image reference names (ghcr.io of ghcr.io/acme/shop), if it names one. */
export function registryHostOf(image: string | undefined): string | undefined {
  const first = image?.split('/')[0];
  return image?.includes('/') && first && /[.:]/.test(first) ? first : undefined;
}

/**
 * The registry login inputs. Without `registry`, the server is the image's registry; `image` is
 * 'later' for the rollback, whose image is known only once the release is chosen (server '' then).
 */
export function readRegistry(inputs: InputReader, image: string | undefined | 'later'): RegistryLogin | undefined {
  const password = inputs.raw('registry-password').trim();
  const username = inputs.string('registry-username');
  let server = inputs.string('registry');
  if (!password && !username && !server) return undefined;
  if (!password) throw new InputError('registry-password', 'is required when registry or registry-username is set');
  if (!username) throw new InputError('registry-username', 'is required when registry-password is set');
  if (!server && image === 'later') return { server: '', username, password };
  if (!server) {
    const host = registryHostOf(image === 'later' ? undefined : image);
    if (!host) throw new InputError('registry', 'is required: the registry host to log in to, e.g. ghcr.io');
    server = host;
  }
  if (!/^[a-z0-9.-]+(:\d+)?(\/[\w./-]*)?$/i.test(server.replace(/^https?:\/\//, '')))
    throw new InputError('registry', `'${server}' is not a registry host (e.g. ghcr.io or registry.example.com:5000)`);
  return { server, username, password };
}

/** njord's own files in the release directory (ReleaseLayout), which a compose file would overwrite. */
const NJORD_FILES = ['release.env', 'release.json', SWARM_FILE];

export function readComposeFiles(paths: string[], workspace: string): ComposeFile[] {
  const list = paths.length ? paths : ['docker-compose.yml'];
  const names = new Set<string>();
  return list.map((p) => {
    const full = isAbsolute(p) ? p : join(workspace, p);
    if (!existsSync(full) || !statSync(full).isFile())
      throw new InputError(
        'compose-file',
        `'${p}' does not exist in the workspace (${workspace}); check out the repository first, or fix the path`,
      );
    const content = readFileSync(full, 'utf8');
    const doc = parseDocument(content, { prettyErrors: true });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new InputError(
        'compose-file',
        `'${p}' is not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`,
      );
    }
    const services = doc.get('services');
    if (!services || typeof services !== 'object')
      throw new InputError('compose-file', `'${p}' has no services: section`);
    const name = basename(full);
    if (NJORD_FILES.includes(name))
      throw new InputError(
        'compose-file',
        `'${p}' is named ${name}, and njord writes its own ${name} there; rename the file (e.g. docker-compose.yml)`,
      );
    if (names.has(name)) throw new InputError('compose-file', `two files are named ${name}; give them different names`);
    names.add(name);
    return { name, source: relative(workspace, full) || name, content };
  });
}
