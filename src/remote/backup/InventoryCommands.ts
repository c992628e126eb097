// What backup reads about the app on a host before it changes anything: its volumes and the
// paths it was asked for.
import { ifThen, line, pipe, quote } from '../Shell.js';

/** The project's named volumes as `docker volume inspect` JSON (empty output: none). */
export function projectVolumesCommand(project: string): string {
  return pipe(
    ['docker', 'volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`],
    ['xargs', '-r', 'docker', 'volume', 'inspect'],
  );
}

/** Named volumes by name, for volumes listed by hand that carry no compose label. */
export function volumesCommand(names: string[]): string {
  return `${line(['docker', 'volume', 'inspect', ...names])} 2>/dev/null || true`;
}

/** `ok` or `missing` a line, for each path: a directory the SSH user can read, or not. */
export function existingPathsCommand(paths: string[]): string {
  return paths.map((p) => ifThen(`[ -d ${quote(p)} ] && [ -r ${quote(p)} ]`, 'echo ok', 'echo missing')).join('; ');
}
