// The backup directories under the app's root: one per backup, its manifest written last.
import { MANIFEST_FILE } from '../../backup/BackupManifest.js';
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { all, any, chain, ifThen, line, quote, stdinToFile } from '../Shell.js';
import { sha256Of } from './Sha256.js';

export class BackupDirCommands {
  constructor(private readonly layout: ReleaseLayout) {}

  dir(id: string): string {
    return this.layout.backup(id);
  }

  create(id: string): string {
    return all(['mkdir', '-p', this.layout.backupsDir], ['mkdir', '-m', '700', this.dir(id)]);
  }

  remove(ids: string[]): string {
    return line(['rm', '-rf', '--', ...ids.map((id) => this.dir(id))]);
  }

  /** Removes a backup directory only while it has no manifest (a run's own unfinished backup). */
  removeIfIncomplete(id: string): string {
    const d = quote(this.dir(id));
    return ifThen(`[ -d ${d} ] && [ ! -e ${d}/${MANIFEST_FILE} ]`, `rm -rf -- ${d}`);
  }

  /** Each backup directory, a tab, and its manifest on one line (nothing after the tab: incomplete). */
  list(): string {
    const each = chain(
      '[ -d "$d" ] || continue',
      'd=${d%/}',
      `printf '%s\\t' "$d"`,
      `tr -d '\\n' < "$d/${MANIFEST_FILE}" 2>/dev/null`,
      'echo',
    );
    return chain(any(`cd ${quote(this.layout.backupsDir)} 2>/dev/null`, 'exit 0'), `for d in */; do ${each}; done`);
  }

  /** The manifest goes in last, through a temp file and a rename: it exists whole or not at all. */
  writeManifest(id: string): string {
    return stdinToFile(`${this.dir(id)}/${MANIFEST_FILE}`, '644');
  }

  readManifest(id: string): string {
    return line(['cat', `${this.dir(id)}/${MANIFEST_FILE}`]);
  }

  sha256(id: string, file: string): string {
    return sha256Of(`${this.dir(id)}/${file}`);
  }
}
