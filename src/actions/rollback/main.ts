// Entry of actions/rollback: read inputs, roll back, report. The post step frees locks a killed run left.
import * as core from '@actions/core';
import { readConnection } from '../../ssh/ConnectionConfig.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { readDeploymentTarget } from '../../report/Deployments.js';
import { actionLog, maskSecrets, runLinks, setOutputs } from '../../report/RunPage.js';
import { rollbackRecord } from '../../report/RollbackDeployment.js';
import { readRollbackConfig } from '../../rollback/RollbackConfig.js';
import { rollback, type RollbackOutcome } from '../../rollback/Rollback.js';
import {
  rollbackAnnotations,
  rollbackFailure,
  rollbackOutputs,
  rollbackSummary,
} from '../../rollback/RollbackReport.js';
import { freeLocksLeftBehind } from '../../runtime/heldLocks.js';
import { saveHeldLocks } from '../../runtime/state.js';
import { runAction } from '../../runtime/runAction.js';
import { readWebhooks, withNotify } from '../../report/Notify.js';
import { failedEvent, notifyContext, rollbackEvent } from '../../report/NotifyEvents.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([
    inputs.raw('ssh-key'),
    inputs.raw('github-token'),
    inputs.raw('notify'),
    inputs.raw('registry-password'),
  ]);
  const ctx = notifyContext(inputs, true);
  await withNotify(
    readWebhooks(inputs),
    actionLog,
    (err) => failedEvent('rollback', ctx, err),
    async () => {
      const outcome = await rollbackAndReport(inputs);
      return outcome.status === 'dry-run' ? undefined : rollbackEvent(ctx, outcome);
    },
  );
}

async function rollbackAndReport(inputs: InputReader): Promise<RollbackOutcome> {
  const cfg = readRollbackConfig(inputs, { runUrl: runLinks().runUrl, actor: process.env.GITHUB_ACTOR });
  const github = readDeploymentTarget(inputs, process.env, actionLog, cfg.meta.runUrl);
  // Started once the hosts chose the release (its commit is known only then), finished with the result.
  const record = rollbackRecord(github, cfg.app, cfg.reason, actionLog);
  const outcome = await rollback(cfg, actionLog, { onLocks: saveHeldLocks, onChosen: record.start }).catch(
    async (err: unknown) => {
      await record.fail(err);
      throw err;
    },
  );
  await record.finish(outcome);
  setOutputs(rollbackOutputs(outcome));
  rollbackAnnotations(cfg.app, outcome);
  await rollbackSummary(cfg.app, outcome).write();
  const failure = rollbackFailure(cfg.app, outcome);
  if (failure) core.setFailed(failure);
  return outcome;
}

async function post(): Promise<void> {
  await freeLocksLeftBehind(() => readConnection(new InputReader(runnerInputs)), actionLog, 'rollback');
}

void runAction('Rollback', main, post);
