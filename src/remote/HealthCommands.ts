// The exec kind of health check on a host: the command runs in the service's first running
// container, as argv (no shell in the container needed). No container is exit 125, with a reason.
import { line, quote } from './Shell.js';

export const NO_CONTAINER_EXIT = 125;

/** Runs `argv` in a running container of `service` (of compose project `project`, when given). */
export function execCheckCommand(service: string, argv: string[], project?: string): string {
  const filters = [
    ...(project ? ['--filter', `label=com.docker.compose.project=${project}`] : []),
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ];
  const ps = line(['docker', 'ps', '-q', ...filters]);
  return [
    `c=$(${ps} | head -n 1)`,
    `[ -n "$c" ] || { echo ${quote(`no running container of service ${service}`)} >&2; exit ${NO_CONTAINER_EXIT}; }`,
    `docker exec "$c" ${line(argv)}`,
  ].join('; ');
}
