// Every key an action keeps between its main and its post step, with its typed write and read (as
// docker/build-push-action's state-helper.ts): GitHub runs the post entry of the same bundle with
// what the main saved, so a killed main leaves here what its post step must undo.
import * as core from '@actions/core';
import type { CleanupState } from '../backup/LockedHosts.js';
import type { HeldLock } from './heldLocks.js';

/** Set by the main step: the same bundle then runs as post. */
export function isPostStep(): boolean {
  return core.getState('isPost') === 'true';
}

export function markMainStep(): void {
  core.saveState('isPost', 'true');
}

/** deploy and rollback: the app locks held right now ([] once freed). */
export function saveHeldLocks(held: HeldLock[]): void {
  core.saveState('locks', JSON.stringify(held));
}

export function heldLocks(): HeldLock[] {
  return JSON.parse(core.getState('locks') || '[]') as HeldLock[];
}

/** backup and restore: the services stopped, the backup being written, the lock token. */
export function saveCleanupState(state: CleanupState): void {
  core.saveState('cleanup', JSON.stringify(state));
}

export function cleanupState(): CleanupState | undefined {
  return (JSON.parse(core.getState('cleanup') || 'null') as CleanupState | null) ?? undefined;
}

/** build-push: what a killed build leaves ('' once the main step removed it itself). */
export interface BuildState {
  /** The private DOCKER_CONFIG directory logged in to `registry`. */
  'docker-config': string;
  registry: string;
  /** A buildx builder the run created. */
  builder: string;
}

export function saveBuildState(key: keyof BuildState, value: string): void {
  core.saveState(key, value);
}

export function buildState(): BuildState {
  return {
    'docker-config': core.getState('docker-config'),
    registry: core.getState('registry'),
    builder: core.getState('builder'),
  };
}
