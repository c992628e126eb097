// The rollback's own commands on a host, beside the release, lock and compose ones it shares with
// the deploy: the state it reads with the lock, and the history written with the lock freed.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { LockCommands } from './LockCommands.js';
import { ReleaseCommands } from './ReleaseCommands.js';
import { all } from './Shell.js';

/** What the rollback reads, in the round trip that takes the lock: the current release and every release. */
export function readStateCommand(layout: ReleaseLayout): string {
  return new ReleaseCommands(layout).state();
}

/** Appends the event (stdin) to the history and frees the lock, in one round trip. */
export function recordCommand(layout: ReleaseLayout, lockToken: string, logout?: string): string {
  return all(new ReleaseCommands(layout).appendHistory(), new LockCommands(layout).release(lockToken, logout));
}

/** Points current at the release, then records and frees the lock as recordCommand does. */
export function activateAndRecordCommand(
  layout: ReleaseLayout,
  releaseId: string,
  lockToken: string,
  logout?: string,
): string {
  return all(new ReleaseCommands(layout).activate(releaseId), recordCommand(layout, lockToken, logout));
}
