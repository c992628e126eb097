// The post step of backup and restore: after a run that was killed (or cancelled) mid-way, start
// the services it stopped, remove its throwaway containers, unfinished backup and the archives a
// restore had sent from the runner, free its lock.
import { readConnection } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts } from '../ssh/HostSession.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { Log } from '../report/Log.js';
import { releaseByToken } from '../release/HostLock.js';
import { startContainersCommand } from '../remote/DockerCommands.js';
import { line } from '../remote/Shell.js';
import { BackupDirCommands } from '../remote/backup/BackupDirCommands.js';
import { cleanupRunCommand } from '../remote/backup/HelperContainers.js';
import { StagingCommands } from '../remote/backup/StagingCommands.js';
import { cleanupState } from '../runtime/state.js';
import type { CleanupState } from './LockedHosts.js';

export function needsCleanup(state: CleanupState | undefined): state is CleanupState {
  return !!state && (!!state.backupId || state.hosts.some((h) => h.stopped.length > 0) || !!state.locked);
}

/** The whole post step: nothing to do after a run that ended by itself. */
export async function postStep(inputs: InputReader, log: Log): Promise<void> {
  const state = cleanupState();
  if (needsCleanup(state)) await cleanupAfterKill(inputs, state, log);
}

export async function cleanupAfterKill(inputs: InputReader, state: CleanupState, log: Log): Promise<void> {
  const cfg = readConnection(inputs);
  cfg.hosts = cfg.hosts.filter((h) => state.hosts.some((s) => s.host === h.label));
  const sessions = await openHosts(cfg, log);
  try {
    for (const s of sessions) {
      const label = s.spec.label;
      const stopped = state.hosts.find((h) => h.host === label)?.stopped ?? [];
      if (stopped.length) {
        const r = await s.ssh.exec(line(startContainersCommand(stopped)));
        if (r.code === 0) log.info(`${label}: started the services the run had stopped`);
        else log.error(`${label}: could not start the stopped containers ${stopped.join(', ')}: ${r.stderr.trim()}`);
      }
      await s.ssh.exec(cleanupRunCommand(state.token));
      // What a restore from the runner had sent so far.
      await s.ssh.exec(new StagingCommands(s.layout, state.token).remove());
      if (state.backupId) {
        await s.ssh.exec(new BackupDirCommands(s.layout).removeIfIncomplete(state.backupId));
        log.info(`${label}: removed the unfinished backup ${state.backupId} (it had no manifest)`);
      }
      await releaseByToken(s, state.token);
    }
  } finally {
    closeHosts(sessions);
  }
}
