// Host directories that backup and restore read and write. A path is normalised before anything
// uses it, and none may hold or lie inside the app's own root: emptying it for a restore would
// delete the very archive being restored, the releases and the lock.
import { posix } from 'node:path';
import { InputError } from '../inputs/InputError.js';

/** `/srv/x/`, `/srv/./x`, `/srv/y/../x` → `/srv/x`; `~/a/../b` → `~/b`. Refuses what is not a data directory. */
export function normalizeHostPath(input: string, p: string): string {
  if (/[\0\n]/.test(p)) throw new InputError(input, 'a path holds a newline or NUL');
  const home = p === '~' || p.startsWith('~/');
  if (!home && !p.startsWith('/')) throw new InputError(input, `'${p}' is not an absolute path (or ~/…) on the host`);
  const rest = home ? posix.normalize(p.slice(1).replace(/^\/*/, '') || '.') : posix.normalize(p);
  if (home && (rest === '..' || rest.startsWith('../')))
    throw new InputError(input, `'${p}' climbs out of the home directory; name the directory by its absolute path`);
  const norm = home ? (rest === '.' ? '~' : `~/${rest}`).replace(/\/+$/, '') : rest.replace(/\/+$/, '') || '/';
  if (norm === '/') throw new InputError(input, `'${p}' is the whole host; name the directories that hold data`);
  if (norm === '~')
    throw new InputError(
      input,
      `'${p}' is the whole home directory, which holds the app's own root; name a directory in it`,
    );
  return norm;
}

/** One holds the other (or they are the same): writing either touches both. */
export function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** Absolute host paths (already resolved) that would hold or lie inside `root`: refused by name. */
export function refuseAppRoot(input: string, paths: string[], root: string, host: string): void {
  for (const p of paths)
    if (overlaps(p, root))
      throw new InputError(
        input,
        `${p} ${p === root || root.startsWith(`${p}/`) ? 'holds' : 'lies inside'} the app's remote-dir ${root} on ${host} (its backups, releases and lock); name the directories that hold the app's data`,
      );
}
