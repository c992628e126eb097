// Entry of actions/health-gate: read inputs, run the gate, report. Nothing to clean up afterwards.
import * as core from '@actions/core';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { actionLog, maskSecrets, setOutputs } from '../../report/RunPage.js';
import { runAction } from '../../runtime/runAction.js';
import { headerValues, readHealthGateConfig } from '../../health/HealthGateConfig.js';
import { healthGateSummary } from '../../health/HealthGateReport.js';
import { healthGateFailure, healthGateOutputs, runHealthGate } from '../../health/HealthGateRun.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('ssh-key'), ...headerValues(inputs)]);
  const cfg = readHealthGateConfig(inputs);
  const outcome = await runHealthGate(cfg, actionLog);
  setOutputs(healthGateOutputs(outcome));
  await healthGateSummary(outcome, cfg.spec).write();
  const failure = healthGateFailure(outcome);
  if (failure) core.setFailed(failure);
}

void runAction('Health gate', main);
