// The inputs every host-touching action shares (deploy, rollback, backup, restore, health-gate):
// same names, same rules, one reader.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { HostSpec } from '../ssh/HostSpec.js';
import { parseHostList } from '../ssh/HostSpec.js';
import { KnownHosts } from '../ssh/KnownHosts.js';
import { checkPrivateKey } from '../ssh/SshConnection.js';

export interface ConnectionConfig {
  hosts: HostSpec[];
  privateKey: string;
  knownHosts: KnownHosts;
  app: string;
  /** As given; `~` is resolved per host once connected. */
  remoteDir: string;
}

export const APP_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The repository's name made into a compose project name. */
export function defaultAppName(repository = process.env.GITHUB_REPOSITORY ?? ''): string {
  const name = (repository.split('/')[1] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '');
  return name;
}

/** Just the SSH part (hosts, ssh-key, known-hosts): for actions that reach a host without an app on it. */
export type SshAccess = Pick<ConnectionConfig, 'hosts' | 'privateKey' | 'knownHosts'>;

export function readSshAccess(inputs: InputReader): SshAccess {
  const hosts = parseHostList(inputs.list('hosts'));
  const privateKey = inputs.raw('ssh-key');
  checkPrivateKey(privateKey);
  const knownText = inputs.raw('known-hosts');
  if (!knownText.trim())
    throw new InputError(
      'known-hosts',
      'is required: known_hosts lines for the hosts (ssh-keyscan HOST prints them); host keys are always checked',
    );
  const knownHosts = KnownHosts.parse(knownText);
  return { hosts, privateKey, knownHosts };
}

export function readConnection(inputs: InputReader): ConnectionConfig {
  const { hosts, privateKey, knownHosts } = readSshAccess(inputs);
  const app = inputs.string('app') || defaultAppName();
  if (!app) throw new InputError('app', 'is required when GITHUB_REPOSITORY is not set');
  if (!APP_NAME.test(app))
    throw new InputError(
      'app',
      `'${app}' is not a valid app name: use lower-case letters, digits, '-' and '_', starting with a letter or digit`,
    );
  const remoteDir = inputs.string('remote-dir') || `~/njord/${app}`;
  if (/[\0\n'"`$\\;&|<>*?]/.test(remoteDir))
    throw new InputError(
      'remote-dir',
      `'${remoteDir}' has a shell character; use a plain path like ~/njord/${app} or /srv/${app}`,
    );
  return { hosts, privateKey, knownHosts, app, remoteDir };
}
