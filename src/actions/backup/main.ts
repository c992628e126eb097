// Entry of actions/backup: read inputs, back up every host, report. The post step undoes what a
// killed run left: stopped services, throwaway containers, an unfinished backup, the app lock.
import * as core from '@actions/core';
import { backup, type BackupOutcome } from '../../backup/Backup.js';
import { readBackupConfig } from '../../backup/BackupConfig.js';
import { backupAnnotations, backupSummary } from '../../backup/BackupReport.js';
import { totalSize } from '../../backup/Formatting.js';
import { postStep } from '../../backup/PostCleanup.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { actionLog, maskSecrets, runLinks, setOutputs } from '../../report/RunPage.js';
import { runAction } from '../../runtime/runAction.js';
import { readWebhooks, withNotify } from '../../report/Notify.js';
import { backupEvent, failedEvent, notifyContext } from '../../report/NotifyEvents.js';
import { saveCleanupState } from '../../runtime/state.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('ssh-key'), inputs.raw('notify')]);
  const ctx = notifyContext(inputs, false);
  await withNotify(
    readWebhooks(inputs),
    actionLog,
    (err) => failedEvent('backup', ctx, err),
    async () => backupEvent(ctx, await backupAndReport(inputs)),
  );
}

async function backupAndReport(inputs: InputReader): Promise<BackupOutcome> {
  const cfg = readBackupConfig(inputs, { runUrl: runLinks().runUrl, actor: process.env.GITHUB_ACTOR });
  const outcome = await backup(cfg, actionLog, {
    onState: saveCleanupState,
    runnerRoot: process.env.RUNNER_TEMP || undefined,
  });
  const first = outcome.hosts[0];
  setOutputs({
    'backup-id': outcome.status === 'complete' ? outcome.id : '',
    size: first?.status === 'complete' ? totalSize(first.archives) : '',
    sha256: first?.manifestSha256 ?? '',
    manifest: first?.manifest ? JSON.stringify(first.manifest) : '',
    'artifact-id': outcome.artifacts[0]?.id ?? '',
    'artifact-name': outcome.artifacts[0]?.name ?? '',
  });
  backupAnnotations(cfg.app, outcome);
  await backupSummary(cfg.app, outcome).write();
  if (outcome.status !== 'complete')
    core.setFailed(`Backup of ${cfg.app} failed: ${outcome.error ?? 'see the job summary'}`);
  return outcome;
}

async function post(): Promise<void> {
  await postStep(new InputReader(runnerInputs), actionLog);
}

void runAction('Backup', main, post);
