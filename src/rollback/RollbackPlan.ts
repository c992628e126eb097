// Every command a rollback runs on one host, built up front from pure functions, like the deploy's
// plan: the rollback executes it, dry-run prints it. Nothing here touches a host.
import { composeFor } from '../deploy/DeployPlan.js';
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import type { ReleaseEntry, ReleaseManifest } from '../release/ReleaseManifest.js';
import { parseStoreState } from '../release/ReleaseStore.js';
import { containerStatesCommand, imagePresentCommand, pullCommand } from '../remote/DockerCommands.js';
import { LockCommands } from '../remote/LockCommands.js';
import type { ComposeVariant } from '../remote/ProbeCommands.js';
import { activateAndRecordCommand, LOGIN_MARK, readStateCommand, recordCommand } from '../remote/RollbackCommands.js';
import { line } from '../remote/Shell.js';
import { pinnedImage } from './RollbackTarget.js';

export interface RollbackContext {
  app: string;
  layout: ReleaseLayout;
  compose: ComposeVariant;
  target: ReleaseManifest;
  /** The release current now, brought back if the target fails its gate. */
  from?: ReleaseManifest;
  /** The app's registry login from its deploys (<remote-dir>/.docker) exists. */
  withLogin: boolean;
  /** This run's lock token: the last command frees the lock in the same round trip. */
  lockToken: string;
}

export interface RollbackPlan {
  acquireLock: string;
  /** Run with the lock taken, in the same round trip. */
  readState: string;
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
}

/** Compose for a release as it ran: its own files and env file, IMAGE pinned to its digest. */
function upRelease(ctx: RollbackContext, m: ReleaseManifest): string {
  const image = pinnedImage(m);
  return line(composeFor(ctx, m.id, m, ctx.withLogin, image ? { IMAGE: image } : undefined).up());
}

export function planRollback(ctx: RollbackContext): RollbackPlan {
  const image = pinnedImage(ctx.target);
  return {
    acquireLock: new LockCommands(ctx.layout).acquire(),
    readState: readStateCommand(ctx.layout),
    image,
    imagePresent: image ? imagePresentCommand(image) : undefined,
    pull: image ? line(pullCommand(image, ctx.withLogin ? ctx.layout.dockerConfig : undefined)) : undefined,
    up: upRelease(ctx, ctx.target),
    containerStates: containerStatesCommand(ctx.app),
    activateAndRecord: activateAndRecordCommand(ctx.layout, ctx.target.id, ctx.lockToken),
    restoreFrom: ctx.from && ctx.from.id !== ctx.target.id ? upRelease(ctx, ctx.from) : undefined,
    record: recordCommand(ctx.layout, ctx.lockToken),
  };
}

export function parseRollbackState(stdout: string): { withLogin: boolean; current?: string; releases: ReleaseEntry[] } {
  const withLogin = stdout.startsWith(`${LOGIN_MARK}\n`);
  return { withLogin, ...parseStoreState(withLogin ? stdout.slice(LOGIN_MARK.length + 1) : stdout) };
}

/** The plan as a person reads it: numbered steps. */
export function describeRollbackPlan(plan: RollbackPlan, target: string, from: string | undefined): string[] {
  const steps: string[] = [];
  const add = (what: string, cmd: string) => steps.push(`${steps.length + 1}. ${what}\n     $ ${cmd}`);
  add(
    'take the app lock (stdin: who and which run), then read the releases',
    `${plan.acquireLock} && { ${plan.readState}; }`,
  );
  if (plan.imagePresent && plan.pull) {
    add(`check the host still has ${plan.image}`, plan.imagePresent);
    add('when it was pruned: pull it again', plan.pull);
  }
  add(`start release ${target} as it ran`, plan.up);
  add('health gate: probe the URLs through the SSH tunnel, and read container states', plan.containerStates);
  add(
    `when healthy: point current at ${target}, record the rollback (stdin: the event) and release the lock`,
    plan.activateAndRecord,
  );
  if (plan.restoreFrom) add(`when not healthy: bring ${from} back`, plan.restoreFrom);
  add('when not healthy: record the failed rollback (stdin: the event) and release the lock', plan.record);
  return steps;
}
