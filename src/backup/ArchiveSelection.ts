// Which archives of a backup a restore puts back: all of them, or those the volumes, paths and
// databases inputs name (a name the backup lacks is an input error that lists what it has).
import { InputError } from '../inputs/InputError.js';
import type { ArchiveEntry, BackupManifest } from './BackupManifest.js';

export interface ArchiveSubsets {
  volumes?: string[];
  paths?: string[];
  databases?: string[];
}

export function selectArchives(
  manifest: BackupManifest,
  { volumes, paths, databases }: ArchiveSubsets,
  app: string,
  /** A `paths` entry as the host sees it (`~/…` under the SSH user's home). */
  onHost: (path: string) => string,
): ArchiveEntry[] {
  const all = manifest.archives;
  if (!volumes && !paths && !databases) return all;
  const out: ArchiveEntry[] = [];
  const pickEach = (
    input: string,
    names: string[] | undefined,
    kind: ArchiveEntry['kind'],
    match: (a: ArchiveEntry, n: string) => boolean,
  ) => {
    for (const n of names ?? []) {
      const hit = all.find((a) => a.kind === kind && match(a, n));
      if (!hit)
        throw new InputError(
          input,
          `backup ${manifest.id} has no ${kind} '${n}'; it has: ${
            all
              .filter((a) => a.kind === kind)
              .map((a) => a.name)
              .join(', ') || 'none'
          }`,
        );
      if (!out.includes(hit)) out.push(hit);
    }
  };
  pickEach('volumes', volumes, 'volume', (a, n) => {
    const labels = a.volume?.labels ?? {};
    return a.name === n || a.name === `${app}_${n}` || labels['com.docker.compose.volume'] === n;
  });
  // The manifest holds each path as the host resolved it: a `~/…` restore names the same one.
  pickEach('paths', paths, 'path', (a, n) => a.path === onHost(n).replace(/\/+$/, ''));
  pickEach('databases', databases, 'database', (a, n) => a.database?.service === n);
  return out;
}
