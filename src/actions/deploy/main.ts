// Entry of the root action: read inputs, deploy, report. The post step frees locks a killed run left.
import * as core from '@actions/core';
import { readConnection } from '../../connection/ConnectionConfig.js';
import { closeHosts, openHosts } from '../../connection/HostSession.js';
import { readDeployConfig } from '../../deploy/DeployConfig.js';
import { deploy } from '../../deploy/Deployer.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { releaseByToken } from '../../release/HostLock.js';
import { deployAnnotations, deploymentRequest, deploymentVerdict, deploySummary } from '../../report/DeployReport.js';
import { readDeploymentTarget, recordDeployment } from '../../report/Deployments.js';
import { actionLog, maskSecrets, runLinks, setOutputs } from '../../report/Reporter.js';
import { runAction } from '../../runtime/runAction.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([
    inputs.raw('ssh-key'),
    inputs.raw('registry-password'),
    inputs.raw('github-token'),
    ...inputs.keyValuesLoose('secrets'),
  ]);
  const cfg = readDeployConfig(inputs, process.env.GITHUB_WORKSPACE || process.cwd(), {
    gitSha: process.env.GITHUB_SHA,
    ref: process.env.GITHUB_REF,
    runUrl: runLinks().runUrl,
    actor: process.env.GITHUB_ACTOR,
    repository: process.env.GITHUB_REPOSITORY,
  });
  const target = readDeploymentTarget(inputs, process.env, actionLog, cfg.meta.runUrl);
  const started = Date.now();
  const { result: outcome, deployment } = await recordDeployment(
    cfg.dryRun ? undefined : target,
    deploymentRequest(cfg),
    actionLog,
    () => deploy(cfg, actionLog, { onLocks: (held) => core.saveState('locks', JSON.stringify(held)) }),
    (o) => deploymentVerdict(cfg.app, o),
  );
  const first = outcome.hosts[0];
  setOutputs({
    status: outcome.status,
    release: outcome.status === 'dry-run' ? '' : (first?.release ?? ''),
    'previous-release': first?.previous ?? '',
    'release-attempted': outcome.releaseId,
  });
  deployAnnotations(cfg.app, outcome);
  await deploySummary(cfg.app, outcome, {
    tookMs: Date.now() - started,
    environment: deployment.id === undefined ? undefined : { name: target!.environment, url: target!.environmentUrl },
  }).write();
  if (outcome.status === 'failed' || outcome.status === 'rolled-back')
    core.setFailed(
      `Deploy of ${cfg.app} ${outcome.status === 'rolled-back' ? 'was rolled back' : 'failed'}: see the job summary`,
    );
}

async function post(): Promise<void> {
  const held = JSON.parse(core.getState('locks') || '[]') as { host: string; token: string }[];
  if (!held.length) return;
  const cfg = readConnection(new InputReader(runnerInputs));
  cfg.hosts = cfg.hosts.filter((h) => held.some((l) => l.host === h.label));
  const sessions = await openHosts(cfg, actionLog);
  try {
    for (const s of sessions) {
      await releaseByToken(s, held.find((l) => l.host === s.spec.label)!.token);
      core.info(`${s.spec.label}: released the lock the deploy left behind`);
    }
  } finally {
    closeHosts(sessions);
  }
}

void runAction(main, post);
