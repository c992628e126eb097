// The host's side of stopping services for a backup or restore: it starts them again itself,
// whatever happens to the runner (see src/backup/ServiceControl.ts).
import { startContainersCommand, stopContainersCommand } from '../DockerCommands.js';
import { line } from '../Shell.js';

/** How long the host waits without a heartbeat line before it takes the runner for gone. */
export const SILENCE_S = 25;

/**
 * Stops `ids`, prints `stopped <exit code>`, then reads stdin a line at a time until it ends or
 * stays silent `silenceS` seconds (where the host has timeout(1)), and starts `ids` again whatever
 * happened to the runner.
 */
export function stopUntilReleasedCommand(ids: string[], silenceS = SILENCE_S): string {
  return (
    `${line(stopContainersCommand(ids))} >/dev/null; echo "stopped $?"; ` +
    // Without timeout(1) the wait ends at EOF only: a closed connection, not a silent one.
    `if command -v timeout >/dev/null 2>&1; then while l=$(timeout ${silenceS} head -n 1) && [ -n "$l" ]; do :; done; else cat >/dev/null; fi; ` +
    `${line(startContainersCommand(ids))} >/dev/null`
  );
}
