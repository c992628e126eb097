// Command lines that read and change the release history under a ReleaseLayout.
import type { ReleaseLayout } from '../release/ReleaseLayout.js';
import { line, quote, stdinToFile } from './Shell.js';

export class ReleaseCommands {
  constructor(private readonly layout: ReleaseLayout) {}

  /** Writes stdin to a file of the release (0600 for the env file, 0644 otherwise). */
  writeFile(path: string, secret: boolean): string {
    return stdinToFile(path, secret ? '600' : '644');
  }

  /** Like writeFile, making the release directory (0700) first if no other write has yet. */
  writeReleaseFile(id: string, name: string, secret: boolean): string {
    const dir = this.layout.release(id);
    return `${line(['mkdir', '-p', this.layout.releasesDir])} && (${line(['mkdir', '-m', '700', dir])} 2>/dev/null || test -d ${quote(dir)}) && ${stdinToFile(`${dir}/${name}`, secret ? '600' : '644')}`;
  }

  /**
   * Unpacks a tar archive from stdin into the release directory (made as writeReleaseFile does),
   * with the modes the archive gives: 0600 for decrypted SOPS files.
   */
  extractIntoRelease(id: string): string {
    const dir = this.layout.release(id);
    return `${line(['mkdir', '-p', this.layout.releasesDir])} && (${line(['mkdir', '-m', '700', dir])} 2>/dev/null || test -d ${quote(dir)}) && (umask 077 && ${line(['tar', '-x', '-p', '-o', '-f', '-', '-C', dir])})`;
  }

  /** What runs and what releases exist, in one round trip: current's target, a separator, list(). */
  state(): string {
    return `${this.readCurrent()}; echo ${STATE_SEPARATOR}; (${this.list()})`;
  }

  readCurrent(): string {
    return `readlink ${quote(this.layout.current)} || true`;
  }

  /** Points `current` at the release in one rename, so readers never see it missing. */
  activate(id: string): string {
    const tmp = `${this.layout.current}.${id}.tmp`;
    const target = `releases/${id}`;
    return `ln -sfn ${quote(target)} ${quote(tmp)} && (mv -Tf ${quote(tmp)} ${quote(this.layout.current)} 2>/dev/null || { rm -f ${quote(tmp)}; ln -sfn ${quote(target)} ${quote(this.layout.current)}; })`;
  }

  /** Each release id, a tab, and its release.json on one line. */
  list(): string {
    return `cd ${quote(this.layout.releasesDir)} 2>/dev/null || exit 0; for d in */; do d=\${d%/}; printf '%s\\t' "$d"; tr -d '\\n' < "$d/release.json" 2>/dev/null; echo; done`;
  }

  remove(ids: string[]): string {
    return line(['rm', '-rf', '--', ...ids.map((id) => this.layout.release(id))]);
  }

  appendHistory(): string {
    return `cat >> ${quote(this.layout.history)}`;
  }
}

export const STATE_SEPARATOR = '--njord-releases--';

export function parseState(stdout: string): { current?: string; list: { id: string; json?: string }[] } {
  const at = stdout.indexOf(STATE_SEPARATOR);
  const head = (at < 0 ? stdout : stdout.slice(0, at)).trim();
  return {
    current: head ? head.split('/').pop() : undefined,
    list: at < 0 ? [] : parseReleaseList(stdout.slice(at + STATE_SEPARATOR.length)),
  };
}

export function parseReleaseList(stdout: string): { id: string; json?: string }[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const tab = l.indexOf('\t');
      const id = tab < 0 ? l.trim() : l.slice(0, tab);
      const json = tab < 0 ? undefined : l.slice(tab + 1).trim() || undefined;
      return { id, json };
    });
}
