// The deploy's release-task inputs (release-command, release-command-on, backup-before), read and
// checked before any host is touched: each line names a service the compose files define.
import { parseDocument } from 'yaml';
import { InputError } from '../../inputs/InputError.js';
import type { InputReader } from '../../inputs/InputReader.js';
import type { ReleaseTask } from '../../remote/ReleaseTaskCommands.js';

export interface ReleaseTasksConfig {
  tasks: ReleaseTask[];
  /** `first`: the first host of `hosts` only (one database); `all`: every host, one after another. */
  on: 'first' | 'all';
  /** A verified backup of the app's volumes on each host, under the deploy's lock, before the tasks. */
  backupBefore: boolean;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function readReleaseTasks(
  inputs: InputReader,
  composeFiles: { name: string; content: string }[],
): ReleaseTasksConfig {
  const services = new Set(composeFiles.flatMap((f) => serviceNames(f.content)));
  const tasks = inputs.list('release-command', { commas: false }).map((entry): ReleaseTask => {
    const colon = entry.indexOf(':');
    const service = colon > 0 ? entry.slice(0, colon).trim() : '';
    const command = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (!SERVICE_NAME.test(service) || !command)
      throw new InputError(
        'release-command',
        `'${entry}' is not 'SERVICE: command' (e.g. 'web: alembic upgrade head')`,
      );
    if (!services.has(service))
      throw new InputError(
        'release-command',
        `'${service}' is not a service of the compose files (${[...services].join(', ') || 'none'}); name the service whose image runs the task`,
      );
    if (command.includes('\0')) throw new InputError('release-command', `the command for ${service} holds a NUL byte`);
    return { service, command };
  });
  return {
    tasks,
    on: inputs.oneOf('release-command-on', ['first', 'all'], 'first'),
    backupBefore: inputs.bool('backup-before', false),
  };
}

/** Whether the host (by label) runs the release tasks: the first of `hosts`, or every one with `all`. */
export function runsReleaseTasks(
  cfg: { hosts: { label: string }[]; releaseTasks: ReleaseTasksConfig },
  host: string,
): boolean {
  return cfg.releaseTasks.on === 'all' || cfg.hosts[0]?.label === host;
}

function serviceNames(compose: string): string[] {
  const services: unknown = parseDocument(compose).toJS()?.services;
  return services && typeof services === 'object' ? Object.keys(services) : [];
}
