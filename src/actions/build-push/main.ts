// Entry of actions/build-push: read inputs, build and push, report. The main step cleans up after
// itself; the post step (after a failed or cancelled main only) logs out and removes what a killed
// main step left (the private docker config, a builder it created).
import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { buildPush } from '../../build/BuildPush.js';
import { readBuildPushConfig, type BuildPushConfig } from '../../build/BuildPushConfig.js';
import { buildPushFailureSummary, buildPushSummary } from '../../build/BuildPushReport.js';
import { DockerCli } from '../../build/DockerCli.js';
import { logoutAndRemove } from '../../build/DockerLogin.js';
import { readEventContext } from '../../build/EventContext.js';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { actionLog, annotate, maskSecrets, setOutputs } from '../../report/RunPage.js';
import { runAction } from '../../runtime/runAction.js';
import { buildState, saveBuildState } from '../../runtime/state.js';

async function main(): Promise<void> {
  const started = Date.now();
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('password')]);
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const defaultImage = repository ? `ghcr.io/${repository}` : '';
  // What the failure summary can name when the inputs themselves stop the step.
  let image = inputs.string('image', defaultImage) || undefined;
  let push = true;
  try {
    const cfg = readBuildPushConfig(inputs, process.env.GITHUB_WORKSPACE || process.cwd(), defaultImage);
    image = cfg.image.name;
    push = cfg.push;
    await buildAndReport(cfg);
  } catch (error) {
    await buildPushFailureSummary({ image, push, error, tookMs: Date.now() - started }).write();
    throw error;
  }
}

async function buildAndReport(cfg: BuildPushConfig): Promise<void> {
  if (cfg.loginSkipped) annotate('notice', cfg.loginSkipped, 'build-push: no login');
  const env = process.env;
  const result = await buildPush(cfg, readEventContext(), {
    docker: new DockerCli(env),
    log: actionLog,
    tempDir: env.RUNNER_TEMP || tmpdir(),
    saveState: saveBuildState,
    runId: [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, process.pid].filter(Boolean).join('-'),
    notice: (message) => annotate('notice', message, 'build-push'),
  });
  setOutputs({
    image: result.image,
    digest: result.digest,
    'image-ref': result.imageRef,
    tags: result.tags.map((t) => `${result.image}:${t}`).join('\n'),
    version: result.version,
  });
  await buildPushSummary(result).write();
  core.info(result.pushed ? `Pushed ${result.imageRef}` : `Built ${result.imageRef} (push: false)`);
}

async function post(): Promise<void> {
  const { 'docker-config': dir, registry, builder } = buildState();
  let docker = new DockerCli(process.env);
  if (dir) docker = docker.withConfig(dir);
  if (builder && (await docker.run(['buildx', 'rm', builder])).code === 0)
    core.info(`Removed the builder ${builder} the build step left`);
  if (dir && registry && (await logoutAndRemove(docker, registry, dir)))
    core.info(`Logged out of ${registry} and removed the private docker config the build step left`);
}

void runAction('Build and push', main, post);
