// Every command a deploy runs on one host, built up front from pure functions. The deploy
// executes this plan; dry-run prints it. Nothing here touches a host.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import type { ReplayedOptions } from '../release/ReleaseManifest.js';
import { ComposeCommands } from '../remote/ComposeCommands.js';
import {
  containerStatesCommand,
  loginCommand,
  logoutCommand,
  pullCommand,
  repoDigestsCommand,
} from '../remote/DockerCommands.js';
import { LockCommands } from '../remote/LockCommands.js';
import type { ComposeVariant } from '../remote/ProbeCommands.js';
import { ReleaseCommands } from '../remote/ReleaseCommands.js';
import { releaseTaskCommand, type ReleaseTask } from '../remote/ReleaseTaskCommands.js';
import { all, line } from '../remote/Shell.js';
import { stackStateCommand } from '../remote/StackCommands.js';
import { describeSwitchPlan } from './zeroDowntime/describeSwitch.js';
import { SWARM_PROXY_CONFIG, swarmStartCommand } from './swarm/SwarmRelease.js';

export interface PlanContext {
  app: string;
  layout: ReleaseLayout;
  compose: ComposeVariant;
  releaseId: string;
  /** This release's options; the previous release is started again with its own. */
  options: ReplayedOptions;
  image?: string;
  registry?: { server: string; username: string };
  previous?: { id: string; options: ReplayedOptions };
  /** The release tasks this host runs (release-command), after the pull. */
  tasks?: ReleaseTask[];
  /** Files that travel with the release (ReleaseFiles), sent as one archive. */
  releaseFiles?: { count: number; sops: boolean };
}

/** The name of the planned write that unpacks the release files' archive. */
export const RELEASE_FILES_WRITE = 'the files the compose files name';

export interface PlannedWrite {
  name: string;
  command: string;
  secret: boolean;
}

export interface DeployPlan {
  acquireLock: string;
  login?: string;
  /** Run with the lock taken, in the same round trip: what runs now and which releases exist. */
  readState: string;
  /** Each write makes the release directory (0700) if it is not there yet. */
  writeFiles: PlannedWrite[];
  /** Pulls, then prints the image's RepoDigests JSON as the last line. */
  pull: string;
  /** Each release task's one-off container, in order (the deploy runs them between pull and up). */
  releaseTasks: { service: string; command: string }[];
  up: string;
  containerStates: string;
  activate: string;
  /** Brings the previous release back up when the new one fails its gate. */
  rollback?: string;
  /** Ends the registry login, run under the lock just before it is freed: no token outlives the run. */
  logout: string;
  releaseLock: string;
  /** With `zero-downtime`: the switch's steps in words (its commands depend on the containers found). */
  switchSteps?: string[];
}

/** Compose for one release, with the options it keeps in its release.json (ReplayedOptions). */
export function composeFor(
  ctx: Pick<PlanContext, 'app' | 'layout' | 'compose'>,
  releaseId: string,
  options: ReplayedOptions,
  withLogin: boolean,
  overrides?: Record<string, string>,
): ComposeCommands {
  return new ComposeCommands({
    variant: ctx.compose,
    project: ctx.app,
    dir: ctx.layout.release(releaseId),
    files: options.composeFiles,
    envFile: ctx.layout.envFile(releaseId),
    dockerConfig: withLogin ? ctx.layout.dockerConfig : undefined,
    overrides,
  });
}

/** The command that starts a release as it ran: `compose up`, or `docker stack deploy` in swarm mode. */
export function startReleaseCommand(
  ctx: Pick<PlanContext, 'app' | 'layout' | 'compose'>,
  releaseId: string,
  options: ReplayedOptions,
  withLogin: boolean,
  overrides?: Record<string, string>,
): string {
  if (options.mode === 'swarm') return swarmStartCommand(ctx, releaseId, options, withLogin, overrides);
  return line(composeFor(ctx, releaseId, options, withLogin, overrides).up());
}

/** Pulls, then prints the image's RepoDigests (a swarm's nodes pull for themselves: the manager pulls only for the digest). */
function pullCommandOf(ctx: PlanContext, compose: ComposeCommands, loggedIn: boolean): string {
  // The inspect may find nothing (a compose file that does not use ${IMAGE}): no digest then.
  const digests = ctx.image ? `(${line(repoDigestsCommand(ctx.image))} || echo '[]')` : undefined;
  if (ctx.options.mode === 'swarm')
    return ctx.image
      ? all(line(pullCommand(ctx.image, loggedIn ? ctx.layout.dockerConfig : undefined)), digests!)
      : 'true';
  return digests ? all(compose.pull(), digests) : line(compose.pull());
}

export function planDeploy(ctx: PlanContext): DeployPlan {
  const swarm = ctx.options.mode === 'swarm';
  const releases = new ReleaseCommands(ctx.layout);
  const lock = new LockCommands(ctx.layout);
  const loggedIn = !!ctx.registry;
  const compose = composeFor(ctx, ctx.releaseId, ctx.options, loggedIn);
  const writes: PlannedWrite[] = [
    ...ctx.options.composeFiles.map((name) => ({
      name,
      command: releases.writeReleaseFile(ctx.releaseId, name, false),
      secret: false,
    })),
    { name: 'release.env', command: releases.writeReleaseFile(ctx.releaseId, 'release.env', true), secret: true },
    { name: 'release.json', command: releases.writeReleaseFile(ctx.releaseId, 'release.json', false), secret: false },
  ];
  if (swarm && ctx.options.zeroDowntime)
    writes.push({
      name: SWARM_PROXY_CONFIG,
      command: releases.writeReleaseFile(ctx.releaseId, SWARM_PROXY_CONFIG, false),
      secret: false,
    });
  if (ctx.releaseFiles?.count)
    writes.push({
      name: RELEASE_FILES_WRITE,
      command: releases.extractIntoRelease(ctx.releaseId),
      secret: ctx.releaseFiles.sops,
    });
  return {
    acquireLock: lock.acquire(),
    login: ctx.registry ? loginCommand(ctx.layout.dockerConfig, ctx.registry.server, ctx.registry.username) : undefined,
    readState: releases.state(),
    writeFiles: writes,
    pull: pullCommandOf(ctx, compose, loggedIn),
    releaseTasks: (ctx.tasks ?? []).map((t) => ({ service: t.service, command: releaseTaskCommand(compose, t) })),
    up: startReleaseCommand(ctx, ctx.releaseId, ctx.options, loggedIn),
    containerStates: swarm ? stackStateCommand(ctx.app) : containerStatesCommand(ctx.app),
    activate: releases.activate(ctx.releaseId),
    // `current` back too: a watched release was current while the host held the way back.
    rollback: ctx.previous
      ? all(
          startReleaseCommand(ctx, ctx.previous.id, ctx.previous.options, loggedIn),
          releases.activate(ctx.previous.id),
        )
      : undefined,
    logout: logoutCommand(ctx.layout.dockerConfig, ctx.registry?.server),
    releaseLock: lock.release('<this run>'),
    switchSteps: ctx.options.zeroDowntime && !swarm ? describeSwitchPlan(ctx.app, ctx.options.zeroDowntime) : undefined,
  };
}

/** The plan as a person reads it: numbered steps, stdin named but never shown. */
export function describePlan(plan: DeployPlan): string[] {
  const steps: string[] = [];
  const add = (what: string, cmd: string) => steps.push(`${steps.length + 1}. ${what}\n     $ ${cmd}`);
  add(
    'take the app lock (stdin: who and which run), then read the releases',
    `${plan.acquireLock} && ${plan.readState}`,
  );
  if (plan.login) add('log in to the registry (stdin: the password)', plan.login);
  for (const w of plan.writeFiles)
    add(`write ${w.name}${w.secret ? ' (0600 where secret; stdin: the values)' : ''}`, w.command);
  add('pull the images (this checks the compose files) and resolve the image digest', plan.pull);
  for (const t of plan.releaseTasks)
    add(`release task in ${t.service} (a failure stops the deploy everywhere)`, t.command);
  if (plan.switchSteps) for (const s of plan.switchSteps) steps.push(`${steps.length + 1}. ${s}`);
  else {
    add(
      'start the release; the host keeps the way back until the runner decides (a lost runner: the previous release comes back)',
      plan.up,
    );
    add('health gate: probe the URLs through the SSH tunnel, and read container states', plan.containerStates);
  }
  add('when healthy: point current at the release', plan.activate);
  if (plan.rollback && !plan.switchSteps) add('when not healthy: bring the previous release back', plan.rollback);
  add('log the host out of the registry and release the lock', `${plan.logout}; ${plan.releaseLock}`);
  return steps;
}
