// Where a restore from the runner puts its archives on the host: a private folder named by the
// run's token, hidden from the backup list (a dot name), removed when the restore ends or by the
// post step. Its id is passed to the restore scripts, which read archives from the backup dir of it.
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { all, any, line, quote, script } from '../Shell.js';
import { sha256Of } from './Sha256.js';

export class StagingCommands {
  constructor(
    private readonly layout: ReleaseLayout,
    private readonly token: string,
  ) {}

  get id(): string {
    return `.incoming-${this.token}`;
  }

  get dir(): string {
    return this.layout.backup(this.id);
  }

  /** stdin into the staging folder as `file`; prints the sha256 of what landed. */
  receive(file: string): string {
    const f = `${this.dir}/${file}`;
    return script(
      any(all(['mkdir', '-p', this.layout.backupsDir], ['mkdir', '-p', '-m', '700', this.dir]), 'exit 1'),
      any(`cat > ${quote(`${f}.part`)}`, 'exit 1'),
      all(['mv', `${f}.part`, f], sha256Of(f)),
    );
  }

  remove(): string {
    return line(['rm', '-rf', '--', this.dir]);
  }
}
