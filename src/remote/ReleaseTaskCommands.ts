// The command a release task runs: the user's line, through `sh -c` in a one-off container of the
// new release's service (its image, env file, volumes and networks), with Compose v1 or v2.
import type { ComposeCommands } from './ComposeCommands.js';
import { line } from './Shell.js';

/** One line of the release-command input: `SERVICE: command`. */
export interface ReleaseTask {
  service: string;
  command: string;
}

/**
 * The task's command line. The user's text is one argv word, single-quoted once here, so the host's
 * shell expands nothing in it; the container's `sh` does, with the service's environment. stderr
 * joins stdout so the log shows both in the order they were written.
 */
export function releaseTaskCommand(compose: ComposeCommands, task: ReleaseTask): string {
  return `${line(compose.run(task.service, ['sh', '-c', task.command]))} 2>&1`;
}
