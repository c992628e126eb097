// A database dumped and loaded through its running container (`docker exec`), with the scripts
// of DatabaseDumpers.ts: credentials stay in the container's environment.
import { line } from '../Shell.js';
import type { ArchiveSource } from './ArchiveSource.js';
import type { Stage } from './RemoteScript.js';

/** Prints the dump's target when none was named (postgres: the database), from the container's env. */
export function resolveTargetCommand(containerId: string, resolveScript: string): string {
  return line(['docker', 'exec', containerId, 'sh', '-c', resolveScript]);
}

export function databaseSource(containerId: string, dumpScript: string, target: string): ArchiveSource {
  return {
    name: 'the dump',
    cmd: line(['docker', 'exec', containerId, 'sh', '-c', dumpScript, 'njord-dump', target]),
  };
}

/** The last stage of a restore: the dump on stdin, loaded by the container's own client. */
export function loadDumpStage(containerId: string, restoreScript: string, target: string): Stage {
  return {
    name: 'loading the dump',
    cmd: line(['docker', 'exec', '-i', containerId, 'sh', '-c', restoreScript, 'njord-restore', target]),
  };
}
