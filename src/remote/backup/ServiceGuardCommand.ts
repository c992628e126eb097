// The host's side of stopping services for a backup or restore: it starts them again itself,
// whatever happens to the runner (see src/backup/ServiceControl.ts).
import { startContainersCommand, stopContainersCommand } from '../DockerCommands.js';
import { line } from '../Shell.js';

/** How long the host waits without a heartbeat line before it takes the runner for gone. */
export const SILENCE_S = 25;

/**
 * Stops `ids`, prints `stopped <exit code>`, then reads stdin a line at a time until it ends or
 * stays silent `silenceS` seconds, and starts `ids` again whatever happened to the runner.
 */
export function stopUntilReleasedCommand(ids: string[], silenceS = SILENCE_S): string {
  return (
    `${line(stopContainersCommand(ids))} >/dev/null; echo "stopped $?"; ` +
    `while l=$(timeout ${silenceS} head -n 1) && [ -n "$l" ]; do :; done; ` +
    `${line(startContainersCommand(ids))} >/dev/null`
  );
}
