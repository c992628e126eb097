// A backup across all hosts: connect all, take each app lock, check what to back up everywhere
// before anything changes, then back up each host in parallel and upload artifacts.
import { rmSync } from 'node:fs';
import type { HostSession } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import { newLockOwner } from '../release/HostLock.js';
import type { BackupConfig } from './BackupConfig.js';
import { newBackupId } from './BackupManifest.js';
import { checkArtifactRuntime, uploadBackupArtifact, type UploadedArtifact } from './ArtifactUpload.js';
import { firstError, withLockedHosts, type CleanupState } from './LockedHosts.js';
import { safeName } from './Formatting.js';
import { refuseSwarm } from './SwarmGuard.js';
import { HostBackup, NothingToBackUp, type BackupSpec, type HostBackupResult } from './HostBackup.js';

export interface BackupOutcome {
  id: string;
  status: 'complete' | 'failed';
  hosts: HostBackupResult[];
  artifacts: (UploadedArtifact & { host: string })[];
  error?: string;
}

export interface RunHooks {
  onState?: (state: CleanupState) => void;
  /** Where streamed archives are written on the runner (RUNNER_TEMP). */
  runnerRoot?: string;
}

export async function backup(cfg: BackupConfig, log: Log, hooks: RunHooks = {}): Promise<BackupOutcome> {
  if (cfg.spec.toRunner) checkArtifactRuntime();
  const id = newBackupId(new Date(), cfg.spec.reason);
  const outcome: BackupOutcome = { id, status: 'failed', hosts: [], artifacts: [] };
  try {
    const check = (sessions: HostSession[]) =>
      refuseSwarm(sessions, cfg.app, 'backup', {
        volumes: cfg.spec.volumes,
        paths: cfg.spec.paths,
        databases: cfg.spec.databases.map((d) => d.service),
        stopServices: cfg.spec.stopServices,
      });
    return await withLockedHosts(cfg, 'backup', cfg.spec.meta, log, hooks.onState, id, check, async (run) => {
      const runs = run.sessions.map(
        (s) => new HostBackup(s, cfg.app, cfg.spec, id, run.token, log, { onStopping: run.stopping(s.spec.label) }),
      );
      // Every host checked before any changes: a bad input fails the run with nothing touched.
      await Promise.all(runs.map((r) => r.prepare()));
      const settled = await Promise.allSettled(runs.map((r) => r.run(hooks.runnerRoot)));
      outcome.hosts = runs.map((r) => r.result);
      outcome.error = firstError(settled);
      for (const r of outcome.hosts.filter((h) => h.status === 'complete' && h.runnerDir)) {
        const name = `${cfg.app}-backup-${id}${runs.length > 1 ? `-${safeName(r.host)}` : ''}`;
        log.info(`${r.host}: uploading artifact ${name}`);
        try {
          outcome.artifacts.push({
            host: r.host,
            ...(await uploadBackupArtifact(name, r.runnerDir!, cfg.artifactRetentionDays)),
          });
        } catch (err) {
          r.status = 'failed';
          r.error = `artifact upload failed: ${(err as Error).message}`;
          outcome.error ??= r.error;
        }
      }
      outcome.status = outcome.hosts.every((h) => h.status === 'complete') ? 'complete' : 'failed';
      return outcome;
    });
  } finally {
    for (const h of outcome.hosts) if (h.runnerDir) rmSync(h.runnerDir, { recursive: true, force: true });
  }
}

export interface PreDeployBackupConfig {
  app: string;
  /** undefined: every named volume of the app. */
  volumes?: string[];
  databases?: BackupSpec['databases'];
  encryptTo?: string[];
  keep?: number;
  meta?: { runUrl?: string; actor?: string };
}

/**
 * The deploy's `backup-before`: a verified backup on the host of what the app keeps, taken under
 * the deploy's own lock before the new release starts, so a bad migration can be undone with the
 * data it had. Returns undefined when the app has nothing to back up yet (a first deploy).
 */
export async function backupBeforeDeploy(
  session: HostSession,
  cfg: PreDeployBackupConfig,
  log: Log,
): Promise<HostBackupResult | undefined> {
  const spec: BackupSpec = {
    volumes: cfg.volumes,
    paths: [],
    databases: cfg.databases ?? [],
    stopServices: [],
    compression: 'auto',
    encryptTo: cfg.encryptTo ?? [],
    toHost: true,
    toRunner: false,
    verify: 'list',
    keep: cfg.keep ?? 0,
    reason: 'pre-deploy',
    meta: cfg.meta,
  };
  const run = new HostBackup(
    session,
    cfg.app,
    spec,
    newBackupId(new Date(), 'pre-deploy'),
    newLockOwner('deploy').token,
    log,
  );
  try {
    await run.prepare();
  } catch (err) {
    if (!(err instanceof NothingToBackUp)) throw err;
    log.info(`${session.spec.label}: nothing to back up before this deploy (no volumes yet)`);
    return undefined;
  }
  return run.run();
}
