// The build-push core: tags and labels from the event, the builder the runner has, a private login,
// the build and push, then the registry's word on the digest every tag now points to.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import {
  buildxPlan,
  classicPlan,
  refOf,
  type BuildSpec,
  type BuildxPlan,
  type ClassicPlan,
  type Step,
} from './BuildPlan.js';
import type { BuildPushConfig } from './BuildPushConfig.js';
import { detectBuilder, type Builder } from './BuilderDetection.js';
import { lastLines, type DockerCli } from './DockerCli.js';
import { errorLine, explainPushFailure, isPushRefusal } from './DockerErrors.js';
import { createDockerConfig, login, logoutAndRemove } from './DockerLogin.js';
import type { EventContext } from './EventContext.js';
import { appendLabels } from './LabelInstruction.js';
import { mergeLabels, ociLabels } from './OciLabels.js';
import { RegistryClient, type PlatformSize } from './RegistryClient.js';
import { computeTags } from './TagRules.js';
import type { BuildState } from '../runtime/state.js';

export interface BuildPushResult {
  image: string;
  /** The registry's manifest digest; '' when the image was not pushed. */
  digest: string;
  /** image@digest when pushed, else image:<first tag>. */
  imageRef: string;
  tags: string[];
  version: string;
  labels: Record<string, string>;
  builder: Builder;
  pushed: boolean;
  /** Every tag was read back from the registry and points to the digest. */
  verified: boolean;
  /** Compressed per platform from the registry when pushed; the local image's size otherwise. */
  sizes: PlatformSize[];
  buildMs: number;
  /** Separate push time (classic builder); buildx pushes inside the build. */
  pushMs?: number;
}

export interface BuildPushDeps {
  docker: DockerCli;
  log: Log;
  /** RUNNER_TEMP: the private docker config and build metadata live here. */
  tempDir: string;
  /** Keeps what post must clean up if this step is killed ('' once cleaned up here). */
  saveState: (key: keyof BuildState, value: string) => void;
  now?: () => Date;
  /** Docker's per-registry CA folder, for the registry check (default /etc/docker/certs.d). */
  certsDir?: string;
  /** Unique per run, names a builder this run creates. */
  runId?: string;
  /** Something the user should know that is not an error (shown at once, so a failure keeps it). */
  notice: (message: string) => void;
}

export async function buildPush(
  cfg: BuildPushConfig,
  ctx: EventContext,
  deps: BuildPushDeps,
): Promise<BuildPushResult> {
  const { log } = deps;
  if (cfg.image.lowered)
    deps.notice(`The image name was lower-cased to ${cfg.image.name}: registries (GHCR first) refuse upper case.`);
  const tagSet = computeTags(ctx, cfg.extraTags);
  if (tagSet.note) deps.notice(`Not tagged latest: ${tagSet.note}.`);
  if (tagSet.renamed) deps.notice(`Branch tag prefixed: ${tagSet.renamed}.`);
  if (!tagSet.tags.length)
    throw new InputError('tags', 'no tag to put on the image: the run has no commit SHA (GITHUB_SHA); give tags');
  const labels = mergeLabels(ociLabels(ctx, tagSet.version, (deps.now ?? (() => new Date()))()), cfg.labels);
  const spec: BuildSpec = {
    image: cfg.image.name,
    tags: tagSet.tags,
    context: cfg.context,
    file: cfg.file,
    buildArgs: cfg.buildArgs,
    labels,
    platforms: cfg.platforms,
    target: cfg.target,
    cache: cfg.cache,
    push: cfg.push,
  };

  const builder = await detectBuilder(deps.docker);
  log.info(
    builder.kind === 'buildx'
      ? `Builder: buildx ${builder.version} ('${builder.name}', ${builder.driver} driver)`
      : `Builder: classic docker build (${builder.why})`,
  );
  const work = mkdtempSync(join(deps.tempDir, 'njord-build-'));
  let docker = deps.docker;
  let configDir: string | undefined;
  try {
    // Plans check their inputs (e.g. platforms on the classic builder) before anything logs in.
    const plan =
      builder.kind === 'buildx'
        ? buildxPlan(spec, builder, {
            metadataFile: join(work, 'metadata.json'),
            ownBuilder: `njord-${deps.runId ?? process.pid}`,
          })
        : classicPlan(spec, { iidFile: join(work, 'iid'), labeledFile: labeledDockerfile(spec, work) });

    if (cfg.login) {
      configDir = createDockerConfig(deps.tempDir, cfg.registry);
      deps.saveState('docker-config', configDir);
      deps.saveState('registry', cfg.registry);
      docker = docker.withConfig(configDir);
      await login(docker, cfg.registry, cfg.login.username, cfg.login.password);
      log.info(`Logged in to ${cfg.registry} as ${cfg.login.username} (private DOCKER_CONFIG)`);
    }

    const registry = new RegistryClient(
      cfg.image.registry,
      cfg.registry === cfg.image.registry ? cfg.login : undefined,
      { certsDir: deps.certsDir },
    );
    const runner: Runner = { docker, cfg, log, saveState: deps.saveState };
    const { digest, buildMs, pushMs } =
      'setup' in plan
        ? await runBuildx(plan, runner, join(work, 'metadata.json'))
        : await runClassic(plan, runner, registry);

    let verified = false;
    let sizes: PlatformSize[] = [];
    if (cfg.push) {
      const [ok, found] = await Promise.all([
        verifyTags(registry, cfg.image.path, tagSet.tags, digest, log),
        registry.sizes(cfg.image.path, digest).catch(() => []),
      ]);
      verified = ok;
      sizes = ok ? found : [];
    } else {
      const ref =
        builder.kind === 'classic' ? readFileSync(join(work, 'iid'), 'utf8').trim() : refOf(spec.image, spec.tags[0]!);
      const r = await docker.run(['image', 'inspect', '--format', '{{.Size}}', ref]);
      if (r.code === 0) sizes = [{ platform: '', bytes: Number(r.stdout.trim()) }];
    }

    return {
      image: cfg.image.name,
      digest,
      imageRef: digest ? `${cfg.image.name}@${digest}` : refOf(cfg.image.name, tagSet.tags[0]!),
      tags: tagSet.tags,
      version: tagSet.version,
      labels,
      builder,
      pushed: cfg.push,
      verified,
      sizes,
      buildMs,
      pushMs,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (configDir && (await logoutAndRemove(deps.docker, cfg.registry, configDir))) {
      deps.saveState('docker-config', '');
      log.info(`Logged out of ${cfg.registry}; removed the private docker config`);
    }
  }
}

/** A copy of the Dockerfile that sets the labels in one step, where that is safe (else undefined). */
function labeledDockerfile(spec: BuildSpec, work: string): string | undefined {
  if (!spec.file) return undefined;
  const text = appendLabels(readFileSync(spec.file, 'utf8'), spec.labels, spec.target);
  if (text === undefined) return undefined;
  const file = join(work, 'Dockerfile');
  writeFileSync(file, text);
  return file;
}

interface Ran {
  digest: string;
  buildMs: number;
  pushMs?: number;
}

interface Runner {
  docker: DockerCli;
  cfg: BuildPushConfig;
  log: Log;
  saveState: BuildPushDeps['saveState'];
}

/** buildx builds and pushes in one command; the digest is in its metadata file. */
async function runBuildx(plan: BuildxPlan, r: Runner, metadataFile: string): Promise<Ran> {
  if (plan.builder) r.saveState('builder', plan.builder);
  try {
    for (const s of plan.setup) await step(r, s);
    const t0 = Date.now();
    await step(r, plan.build, { live: true });
    const buildMs = Date.now() - t0;
    return { digest: r.cfg.push ? buildxDigest(readFileSync(metadataFile, 'utf8')) : '', buildMs };
  } finally {
    for (const s of plan.cleanup) await step(r, s);
    if (plan.builder) r.saveState('builder', '');
  }
}

/**
 * The classic builder: build, `docker push` the first tag (it uploads the layers and prints the
 * digest), then put the same manifest under the other tags through the registry's API, one request
 * each. Where the API refuses (a login docker has and this action has not), `docker push` each.
 */
async function runClassic(plan: ClassicPlan, r: Runner, registry: RegistryClient): Promise<Ran> {
  const t0 = Date.now();
  if (plan.pullCache) await step(r, plan.pullCache);
  await step(r, plan.build, { live: true });
  const buildMs = Date.now() - t0;
  if (!r.cfg.push) return { digest: '', buildMs };

  const t1 = Date.now();
  const [first, ...rest] = plan.push;
  const digest = pushDigest(await step(r, first!, { live: true }));
  if (!digest) throw new Error(`docker push ${first!.argv[1]} printed no digest`);
  if (rest.length && !(await tagThroughApi(r, registry, digest, rest))) {
    if (plan.tagCache) await step(r, plan.tagCache);
    // One after the other: a registry on plain files can fail (500) when pushes write the same blobs at once.
    for (const s of rest) {
      const other = pushDigest(await step(r, s));
      if (other !== digest) throw new Error(`docker push ${s.argv[1]} gave ${other ?? 'no digest'}, not ${digest}`);
    }
  }
  return { digest, buildMs, pushMs: Date.now() - t1 };
}

/** The pushes' tags put on `digest` through the registry API; false when it refuses (then push them). */
async function tagThroughApi(r: Runner, registry: RegistryClient, digest: string, pushes: Step[]): Promise<boolean> {
  const tags = pushes.map((s) => s.argv[1]!.slice(r.cfg.image.name.length + 1));
  try {
    await registry.tag(r.cfg.image.path, digest, tags);
    r.log.info(`Tagged ${tags.join(', ')} in the registry: the same manifest, ${digest}`);
    return true;
  } catch (err) {
    r.log.info(`(tagging through the registry API: ${(err as Error).message}; pushing each tag instead)`);
    return false;
  }
}

/** Runs one planned docker command; returns its output, or throws what a failure means. */
async function step({ docker, cfg, log }: Runner, s: Step, opts: { live?: boolean } = {}): Promise<string> {
  log.info(`[${s.why}] docker ${s.argv.join(' ')}`);
  const r = await docker.run(s.argv, { env: s.env, live: opts.live });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code === 0) return out;
  if (s.mayFail) {
    log.info(`(${s.why}: ${lastLines(r, 1)}; going on)`);
    return out;
  }
  const buildx = s.argv[0] === 'buildx';
  if ((s.argv[0] === 'push' || buildx) && isPushRefusal(out, buildx))
    throw new Error(explainPushFailure(cfg.registry, cfg.image.name, out, !!cfg.login));
  if (s.why === 'build' || s.why === 'build and push')
    throw new Error(`docker ${buildx ? 'buildx build' : 'build'} failed: ${errorLine(out)}`);
  const failed = `docker ${s.argv.slice(0, 2).join(' ')} failed (${s.why}): ${lastLines(r)}`;
  throw new Error(s.whenFailed ? `${failed}. ${s.whenFailed}` : failed);
}

/** `sha-abc1234: digest: sha256:… size: 942` in `docker push` output. */
export function pushDigest(output: string): string | undefined {
  return /\bdigest: (sha256:[0-9a-f]{64})\b/.exec(output)?.[1];
}

/** The pushed digest from buildx's --metadata-file. */
export function buildxDigest(metadataJson: string): string {
  const meta = JSON.parse(metadataJson) as Record<string, unknown>;
  const digest = meta['containerimage.digest'];
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new Error(`buildx pushed but wrote no image digest to its metadata file: ${metadataJson.slice(0, 300)}`);
  return digest;
}

/**
 * Reads every tag back from the registry: each must point to `digest`. A registry this runner cannot
 * read (network, auth scheme) leaves docker's word standing, with a warning; a different digest fails.
 */
export async function verifyTags(
  registry: Pick<RegistryClient, 'manifest'>,
  path: string,
  tags: readonly string[],
  digest: string,
  log: Log,
): Promise<boolean> {
  let found: (string | undefined)[];
  try {
    found = await Promise.all(tags.map(async (t) => (await registry.manifest(path, t))?.digest));
  } catch (err) {
    log.warn(`Could not read the tags back from the registry (${(err as Error).message}); the digest is docker's.`);
    return false;
  }
  const wrong = tags.filter((_t, i) => found[i] !== digest);
  if (wrong.length)
    throw new Error(
      `The registry does not have the pushed digest ${digest} under ${wrong
        .map((t) => `${t} (${found[tags.indexOf(t)] ?? 'missing'})`)
        .join(', ')}: another push to the same tags may have raced this one`,
    );
  return true;
}
