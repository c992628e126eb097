// Each action's outcome as the one NotifyEvent its webhooks are told, and a failure event for an
// action that stopped on an error (bad input, an unreachable host) before it had an outcome.
import type { BackupOutcome } from '../backup/Backup.js';
import type { RestoreOutcome } from '../backup/Restore.js';
import type { DeployOutcome } from '../deploy/Deployer.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { RollbackOutcome } from '../rollback/Rollback.js';
import { defaultAppName } from '../ssh/ConnectionConfig.js';
import { parseHostList } from '../ssh/HostSpec.js';
import type { NotifyAction, NotifyEvent } from './NotifyMessage.js';
import { runLinks } from './RunPage.js';

/** Who and where: the same for every event of a run. */
export interface NotifyContext {
  app: string;
  hosts: string[];
  environment?: string;
  /** Who started it; default GITHUB_ACTOR (the CLI: the person at the terminal). */
  actor?: string;
}

/** The context as the inputs give it, read leniently: a bad input is itself an end to tell. */
export function notifyContext(inputs: InputReader, hasEnvironment: boolean): NotifyContext {
  let hosts: string[] = [];
  try {
    hosts = parseHostList(inputs.list('hosts')).map((h) => h.label);
  } catch {
    // Left empty: the failure message says what is wrong with them.
  }
  return {
    app: inputs.string('app') || defaultAppName() || 'app',
    hosts,
    environment: hasEnvironment ? inputs.string('environment') : undefined,
  };
}

function common(ctx: NotifyContext): Pick<NotifyEvent, 'app' | 'hosts' | 'environment' | 'actor' | 'runUrl'> {
  return {
    app: ctx.app,
    hosts: ctx.hosts,
    environment: ctx.environment || undefined,
    actor: ctx.actor || process.env.GITHUB_ACTOR || undefined,
    runUrl: runLinks().runUrl,
  };
}

export function failedEvent(action: NotifyAction, ctx: NotifyContext, err: Error): NotifyEvent {
  return { ...common(ctx), action, result: 'failed', reason: err.message.split('\n')[0] };
}

export function deployEvent(ctx: NotifyContext, o: DeployOutcome): NotifyEvent {
  const first = o.hosts[0];
  const reason =
    o.status === 'deployed'
      ? undefined
      : (o.error?.message ?? o.hosts.find((h) => h.reason)?.reason ?? 'see the run').split('\n')[0];
  return {
    ...common(ctx),
    action: 'deploy',
    result: o.status === 'deployed' ? 'succeeded' : o.status === 'rolled-back' ? 'rolled back' : 'failed',
    reason: o.status === 'rolled-back' ? `release ${o.releaseId} failed: ${reason}` : reason,
    release: o.releaseId,
    image: first?.image,
    digest: first?.digest,
  };
}

export function rollbackEvent(ctx: NotifyContext, o: RollbackOutcome): NotifyEvent {
  const first = o.hosts[0];
  const failed = o.hosts.find((h) => h.status === 'failed');
  return {
    ...common(ctx),
    action: 'rollback',
    result: o.status === 'rolled-back' ? 'succeeded' : 'failed',
    reason:
      o.status === 'rolled-back'
        ? `${first?.from ?? 'nothing'} → ${first?.release ?? first?.target}`
        : (o.error?.message ?? (failed ? `${failed.host}: ${failed.reason}` : 'see the run')),
    release: first?.release ?? first?.target,
    image: first?.image,
  };
}

export function backupEvent(ctx: NotifyContext, o: BackupOutcome): NotifyEvent {
  return {
    ...common(ctx),
    action: 'backup',
    result: o.status === 'complete' ? 'succeeded' : 'failed',
    reason: o.status === 'complete' ? undefined : (o.error ?? 'see the run'),
    backupId: o.id,
  };
}

export function restoreEvent(ctx: NotifyContext, o: RestoreOutcome): NotifyEvent {
  const first = o.hosts[0];
  return {
    ...common(ctx),
    action: 'restore',
    result: o.status === 'restored' ? 'succeeded' : 'failed',
    reason:
      o.status === 'restored'
        ? first?.safetyBackupId
          ? `safety backup ${first.safetyBackupId} taken first`
          : undefined
        : (o.error ?? 'see the run'),
    backupId: first?.backupId,
  };
}
