// What a run is about to add under the app's root, found out before it adds it, so that a failure
// before the rollout can take exactly that away and never anything that was there before.
import { line, quote } from './Shell.js';

const MISSING = 'njord-missing:';

/** Prints a marked line for each path that does not exist yet; put it before a command whose output follows. */
export function missingPathsCommand(paths: string[]): string {
  return paths.map((p) => `{ test -e ${quote(p)} || echo ${quote(MISSING + p)}; }`).join('; ');
}

/** Splits the lines of missingPathsCommand off the output that follows them. */
export function parseMissingPaths(stdout: string): { missing: string[]; rest: string } {
  const missing: string[] = [];
  let rest = stdout;
  while (rest.startsWith(MISSING)) {
    const end = rest.indexOf('\n');
    missing.push(rest.slice(MISSING.length, end < 0 ? undefined : end));
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
  return { missing, rest };
}

export function removePathsCommand(paths: string[]): string {
  return line(['rm', '-rf', '--', ...paths]);
}
