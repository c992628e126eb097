// Every command a rollback runs on one host, built up front from pure functions, like the deploy's
// plan: the rollback executes it, dry-run prints it. Nothing here touches a host.
import { startReleaseCommand } from '../deploy/DeployPlan.js';
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import type { ReleaseEntry, ReleaseManifest } from '../release/ReleaseManifest.js';
import { parseStoreState } from '../release/ReleaseStore.js';
import {
  containerStatesCommand,
  imagePresentCommand,
  loginCommand,
  logoutCommand,
  pullCommand,
} from '../remote/DockerCommands.js';
import { LockCommands } from '../remote/LockCommands.js';
import type { ComposeVariant } from '../remote/ProbeCommands.js';
import { activateAndRecordCommand, readStateCommand, recordCommand } from '../remote/RollbackCommands.js';
import { line } from '../remote/Shell.js';
import { stackStateCommand } from '../remote/StackCommands.js';
import { pinnedImage } from './RollbackTarget.js';

export interface RollbackContext {
  app: string;
  layout: ReleaseLayout;
  compose: ComposeVariant;
  target: ReleaseManifest;
  /** The release current now, brought back if the target fails its gate. */
  from?: ReleaseManifest;
  /** The rollback's own registry login (a deploy logs its hosts out when it ends). */
  registry?: { server: string; username: string };
  /** This run's lock token: the last command frees the lock in the same round trip. */
  lockToken: string;
}

export interface RollbackPlan {
  acquireLock: string;
  /** Run with the lock taken, in the same round trip. */
  readState: string;
  /** Logs the host in to the registry (stdin: the password), into the app's private DOCKER_CONFIG. */
  login?: string;
  /** The image the target ran, by digest; undefined when its compose files name their images. */
  image?: string;
  /** Exit 0 when the host still has the image. */
  imagePresent?: string;
  /** Pulls it again when it was pruned from the host. */
  pull?: string;
  up: string;
  containerStates: string;
  /** When healthy: point current at it, append the event (stdin) to the history, free the lock. */
  activateAndRecord: string;
  /** Brings the from-release back up when the target fails its gate. */
  restoreFrom?: string;
  /** When not: append the event (stdin) to the history, free the lock. */
  record: string;
  /** Ends the login; part of the commands that free the lock. */
  logout: string;
}

/** Compose for a release as it ran: its own files and env file, IMAGE pinned to its digest. */
function upRelease(ctx: RollbackContext, m: ReleaseManifest): string {
  const image = pinnedImage(m);
  return startReleaseCommand(ctx, m.id, m, !!ctx.registry, image ? { IMAGE: image } : undefined);
}

export function planRollback(ctx: RollbackContext): RollbackPlan {
  const image = pinnedImage(ctx.target);
  const { layout, registry } = ctx;
  // A swarm's nodes pull for themselves (with the login --with-registry-auth hands them).
  const swarm = ctx.target.mode === 'swarm';
  const logout = logoutCommand(layout.dockerConfig, registry?.server);
  return {
    acquireLock: new LockCommands(layout).acquire(),
    readState: readStateCommand(layout),
    login: registry ? loginCommand(layout.dockerConfig, registry.server, registry.username) : undefined,
    image,
    imagePresent: image && !swarm ? imagePresentCommand(image) : undefined,
    pull: image && !swarm ? line(pullCommand(image, registry ? layout.dockerConfig : undefined)) : undefined,
    up: upRelease(ctx, ctx.target),
    containerStates: swarm ? stackStateCommand(ctx.app) : containerStatesCommand(ctx.app),
    activateAndRecord: activateAndRecordCommand(layout, ctx.target.id, ctx.lockToken, logout),
    restoreFrom: ctx.from && ctx.from.id !== ctx.target.id ? upRelease(ctx, ctx.from) : undefined,
    record: recordCommand(layout, ctx.lockToken, logout),
    logout,
  };
}

export function parseRollbackState(stdout: string): { current?: string; releases: ReleaseEntry[] } {
  return parseStoreState(stdout);
}

/** The plan as a person reads it: numbered steps. */
export function describeRollbackPlan(plan: RollbackPlan, target: string, from: string | undefined): string[] {
  const steps: string[] = [];
  const add = (what: string, cmd: string) => steps.push(`${steps.length + 1}. ${what}\n     $ ${cmd}`);
  add(
    'take the app lock (stdin: who and which run), then read the releases',
    `${plan.acquireLock} && { ${plan.readState}; }`,
  );
  if (plan.login) add('log in to the registry (stdin: the password)', plan.login);
  if (plan.imagePresent && plan.pull) {
    add(`check the host still has ${plan.image}`, plan.imagePresent);
    add('when it was pruned: pull it again', plan.pull);
  }
  add(`start release ${target} as it ran`, plan.up);
  add('health gate: probe the URLs through the SSH tunnel, and read container states', plan.containerStates);
  add(
    `when healthy: point current at ${target}, record the rollback (stdin: the event), log out and release the lock`,
    plan.activateAndRecord,
  );
  if (plan.restoreFrom) add(`when not healthy: bring ${from} back`, plan.restoreFrom);
  add('when not healthy: record the failed rollback (stdin: the event), log out and release the lock', plan.record);
  return steps;
}
