// Entry of the root action: read inputs, deploy, report. The post step frees locks a killed run left.
import * as core from '@actions/core';
import { readConnection } from '../../ssh/ConnectionConfig.js';
import { readDeployConfig, type DeployConfig } from '../../deploy/DeployConfig.js';
import { deploy } from '../../deploy/Deployer.js';
import { readReleaseFiles } from '../../deploy/readReleaseFiles.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { parseHostList } from '../../ssh/HostSpec.js';
import {
  deployAnnotations,
  deployFailure,
  deployOutputs,
  deploymentRequest,
  deploymentVerdict,
  deploySummary,
  inputErrorSummary,
} from '../../report/DeployReport.js';
import { readDeploymentTarget, recordDeployment } from '../../report/Deployments.js';
import { actionLog, maskSecrets, runLinks, setOutputs } from '../../report/RunPage.js';
import { freeLocksLeftBehind } from '../../runtime/heldLocks.js';
import { runAction } from '../../runtime/runAction.js';
import { readWebhooks, withNotify } from '../../report/Notify.js';
import type { NotifyEvent } from '../../report/NotifyMessage.js';
import { deployEvent, failedEvent, notifyContext } from '../../report/NotifyEvents.js';
import { saveHeldLocks } from '../../runtime/state.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([
    inputs.raw('ssh-key'),
    inputs.raw('registry-password'),
    inputs.raw('github-token'),
    inputs.raw('sops-age-key'),
    ...inputs.keyValuesLoose('secrets'),
    inputs.raw('notify'),
  ]);
  const ctx = notifyContext(inputs, true);
  await withNotify(
    readWebhooks(inputs),
    actionLog,
    (err) => failedEvent('deploy', ctx, err),
    () => deployAndReport(inputs),
  );
}

async function deployAndReport(inputs: InputReader): Promise<NotifyEvent | undefined> {
  let cfg: DeployConfig;
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  try {
    cfg = readDeployConfig(inputs, workspace, {
      // The promotion workflow deploys an older commit's files: it names that commit here.
      gitSha: process.env.NJORD_GIT_SHA || process.env.GITHUB_SHA,
      ref: process.env.GITHUB_REF,
      runUrl: runLinks().runUrl,
      actor: process.env.GITHUB_ACTOR,
      repository: process.env.GITHUB_REPOSITORY,
    });
    cfg.releaseFiles = await readReleaseFiles(inputs, cfg, workspace);
    maskSecrets(cfg.releaseFiles?.secretValues ?? []);
  } catch (err) {
    // No host was contacted: nothing is known of what runs there.
    setOutputs({ status: 'failed', release: '', 'previous-release': '', 'release-attempted': '' });
    await inputErrorSummary(inputs.string('app') || undefined, err as Error, hostsAsGiven(inputs)).write();
    throw err;
  }
  const target = readDeploymentTarget(inputs, process.env, actionLog, cfg.meta.runUrl);
  const started = Date.now();
  const { result: outcome, deployment } = await recordDeployment(
    cfg.dryRun ? undefined : target,
    deploymentRequest(cfg),
    actionLog,
    () => deploy(cfg, actionLog, { onLocks: saveHeldLocks }),
    (o) => deploymentVerdict(cfg.app, o),
  );
  setOutputs(deployOutputs(outcome));
  deployAnnotations(cfg.app, outcome);
  await deploySummary(cfg.app, outcome, {
    tookMs: Date.now() - started,
    environment: deployment.id === undefined ? undefined : { name: target!.environment, url: target!.environmentUrl },
  }).write();
  const failure = deployFailure(cfg.app, outcome);
  if (failure) core.setFailed(failure);
  return cfg.dryRun
    ? undefined
    : deployEvent({ app: cfg.app, hosts: cfg.hosts.map((h) => h.label), environment: target?.environment }, outcome);
}

/** The hosts input's labels, when it parses, for the summary of a refused input. */
function hostsAsGiven(inputs: InputReader): string[] {
  try {
    return parseHostList(inputs.list('hosts')).map((h) => h.label);
  } catch {
    return [];
  }
}

async function post(): Promise<void> {
  await freeLocksLeftBehind(() => readConnection(new InputReader(runnerInputs)), actionLog, 'deploy');
}

void runAction('Deploy', main, post);
