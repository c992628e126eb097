// The build-push action's inputs, read and checked into one typed object before docker runs.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import { parseImageName, type ImageName } from './ImageName.js';

export type CacheMode = 'gha' | 'registry' | 'none';

export interface BuildPushConfig {
  image: ImageName;
  /** Absolute path of the build context (or a git/https URL, passed to docker as it is). */
  context: string;
  /** Absolute path of the Dockerfile; undefined for a URL context (docker finds it there). */
  file?: string;
  /** The registry to log in to. */
  registry: string;
  login?: { username: string; password: string };
  /** Why no login happens though a password was given. */
  loginSkipped?: string;
  push: boolean;
  extraTags: string[];
  buildArgs: Map<string, string>;
  labels: Map<string, string>;
  platforms: string[];
  target?: string;
  cache: CacheMode;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const REMOTE_CONTEXT = /^(?:https?:\/\/|git@|git:\/\/|github\.com\/)/;

export function readBuildPushConfig(inputs: InputReader, workspace: string, defaultImage: string): BuildPushConfig {
  const image = parseImageName(inputs.string('image', defaultImage));

  const contextInput = inputs.string('context', '.');
  const remote = REMOTE_CONTEXT.test(contextInput);
  const context = remote ? contextInput : resolve(workspace, contextInput);
  if (!remote && (!existsSync(context) || !statSync(context).isDirectory()))
    throw new InputError(
      'context',
      `'${contextInput}' is not a directory in the workspace (${context}); check out the repository first (actions/checkout) or fix the path`,
    );
  const fileInput = inputs.string('file');
  let file: string | undefined;
  if (fileInput) file = resolve(workspace, fileInput);
  else if (!remote) file = join(context, 'Dockerfile');
  if (file && (!existsSync(file) || !statSync(file).isFile()))
    throw new InputError(
      'file',
      fileInput
        ? `'${fileInput}' does not exist (${file}); fix the path (it is relative to the workspace)`
        : `no Dockerfile in the context '${contextInput}' (${file}); add one or set the file input`,
    );

  // Passed to docker login as given (it takes URLs too).
  const registry = inputs.string('registry') || image.registry;
  let password = inputs.raw('password').trim();
  const username = inputs.string('username');
  let loginSkipped: string | undefined;
  // The workflow's token (the default password) is GitHub's: it is never sent to another registry.
  if (isWorkflowToken(password) && !isGitHubRegistry(registry)) {
    loginSkipped = `The workflow token (the default password) is only sent to ghcr.io, not to ${registry}: set the username and password inputs to log in there.`;
    password = '';
  }
  if (password && !username)
    throw new InputError('username', `is required to log in to ${registry} with the password given`);

  const extraTags = inputs.list('tags', { commas: false });
  for (const t of extraTags)
    if (!TAG.test(t))
      throw new InputError(
        'tags',
        `'${t}' is not a Docker tag (letters, digits, _ . -, at most 128, not starting . or -)`,
      );

  const platforms = inputs.list('platforms');
  for (const p of platforms)
    if (!PLATFORM.test(p))
      throw new InputError('platforms', `'${p}' is not a platform like linux/amd64 or linux/arm64`);

  return {
    image,
    context,
    file,
    registry,
    login: password ? { username, password } : undefined,
    loginSkipped,
    push: inputs.bool('push', true),
    extraTags,
    buildArgs: inputs.keyValues('build-args'),
    labels: readLabels(inputs),
    platforms,
    target: inputs.string('target') || undefined,
    cache: inputs.oneOf('cache', ['gha', 'registry', 'none'] as const, 'gha'),
  };
}

/** GitHub Actions' installation tokens (github.token) start with ghs_. */
export function isWorkflowToken(password: string): boolean {
  return password.startsWith('ghs_');
}

export function isGitHubRegistry(registry: string): boolean {
  const host = registry.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'ghcr.io' || host.endsWith('.ghcr.io') || host === 'docker.pkg.github.com';
}

/** `key=value` lines; label keys may hold dots and slashes (org.opencontainers.image.vendor). */
function readLabels(inputs: InputReader): Map<string, string> {
  const out = new Map<string, string>();
  inputs.list('labels', { commas: false }).forEach((line, i) => {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!LABEL_KEY.test(key)) throw new InputError('labels', `line ${i + 1} '${line}' is not key=value`);
    out.set(key, line.slice(eq + 1).trim());
  });
  return out;
}
