// The rollback's own commands on a host, beside the release, lock and compose ones it shares with
// the deploy: the state it reads with the lock, and the history written with the lock freed.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { LockCommands } from './LockCommands.js';
import { ReleaseCommands } from './ReleaseCommands.js';
import { all, any, chain, group, quote } from './Shell.js';

/** Printed first by readStateCommand when the app kept registry credentials from a deploy. */
export const LOGIN_MARK = 'njord-login=kept';

/**
 * What the rollback reads, in the round trip that takes the lock: whether the app kept registry
 * credentials from a deploy (<remote-dir>/.docker), then the current release and every release.
 */
export function readStateCommand(layout: ReleaseLayout): string {
  const kept = any(all(`test -f ${quote(`${layout.dockerConfig}/config.json`)}`, `echo ${LOGIN_MARK}`), 'true');
  return chain(group(kept), new ReleaseCommands(layout).state());
}

/** Appends the event (stdin) to the history and frees the lock, in one round trip. */
export function recordCommand(layout: ReleaseLayout, lockToken: string): string {
  return all(new ReleaseCommands(layout).appendHistory(), new LockCommands(layout).release(lockToken));
}

/** Points current at the release, then records and frees the lock as recordCommand does. */
export function activateAndRecordCommand(layout: ReleaseLayout, releaseId: string, lockToken: string): string {
  return all(new ReleaseCommands(layout).activate(releaseId), recordCommand(layout, lockToken));
}
