// Entry of actions/restore: read inputs, restore every host, report. The post step undoes what a
// killed run left: stopped services, throwaway containers, an unfinished safety backup, the lock.
import * as core from '@actions/core';
import { postStep } from '../../backup/PostCleanup.js';
import { restore, type RestoreOutcome } from '../../backup/Restore.js';
import { readRestoreConfig } from '../../backup/RestoreConfig.js';
import { restoreAnnotations, restoreSummary } from '../../backup/RestoreReport.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { actionLog, maskSecrets, runLinks, setOutputs } from '../../report/RunPage.js';
import { runAction } from '../../runtime/runAction.js';
import { readWebhooks, withNotify } from '../../report/Notify.js';
import { failedEvent, notifyContext, restoreEvent } from '../../report/NotifyEvents.js';
import { saveCleanupState } from '../../runtime/state.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('ssh-key'), inputs.raw('decrypt-key'), inputs.raw('notify')]);
  const ctx = notifyContext(inputs, false);
  await withNotify(
    readWebhooks(inputs),
    actionLog,
    (err) => failedEvent('restore', ctx, err),
    async () => restoreEvent(ctx, await restoreAndReport(inputs)),
  );
}

async function restoreAndReport(inputs: InputReader): Promise<RestoreOutcome> {
  const cfg = readRestoreConfig(inputs, { runUrl: runLinks().runUrl, actor: process.env.GITHUB_ACTOR });
  const outcome = await restore(cfg, actionLog, {
    onState: saveCleanupState,
  });
  const first = outcome.hosts[0];
  setOutputs({
    status: outcome.status,
    'backup-id': first?.backupId ?? '',
    'safety-backup-id': first?.safetyBackupId ?? '',
    restored: JSON.stringify(first?.restored.map((r) => ({ kind: r.kind, name: r.name, file: r.file })) ?? []),
  });
  restoreAnnotations(cfg.app, outcome);
  await restoreSummary(cfg.app, outcome).write();
  if (outcome.status !== 'restored')
    core.setFailed(`Restore of ${cfg.app} failed: ${outcome.error ?? 'see the job summary'}`);
  return outcome;
}

async function post(): Promise<void> {
  await postStep(new InputReader(runnerInputs), actionLog);
}

void runAction('Restore', main, post);
