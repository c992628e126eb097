// Where an app lives on a host. Everything njord writes stays under this root.
import { posix } from 'node:path';

export class ReleaseLayout {
  constructor(
    /** Absolute path on the host, e.g. /home/deploy/njord/shop. */
    readonly root: string,
  ) {
    if (!root.startsWith('/')) throw new Error(`release root must be absolute, got ${root}`);
  }

  get releasesDir(): string {
    return posix.join(this.root, 'releases');
  }
  release(id: string): string {
    return posix.join(this.releasesDir, id);
  }
  envFile(id: string): string {
    return posix.join(this.release(id), 'release.env');
  }
  manifest(id: string): string {
    return posix.join(this.release(id), 'release.json');
  }
  /** Symlink to the release that passed its gate last. */
  get current(): string {
    return posix.join(this.root, 'current');
  }
  get lockDir(): string {
    return posix.join(this.root, '.lock');
  }
  get lockOwner(): string {
    return posix.join(this.lockDir, 'owner.json');
  }
  /** One JSON line per deploy or rollback: the history the rollback action reads. */
  get history(): string {
    return posix.join(this.root, 'history.jsonl');
  }
  /** Registry credentials for this app only, never the user's ~/.docker. */
  get dockerConfig(): string {
    return posix.join(this.root, '.docker');
  }

  /** Backups of the app's data (the backup and restore actions): one directory per backup. */
  get backupsDir(): string {
    return posix.join(this.root, 'backups');
  }
  backup(id: string): string {
    return posix.join(this.backupsDir, id);
  }

  /** `~/x` and relative paths are taken from the remote user's home. */
  static resolve(remoteDir: string, home: string): ReleaseLayout {
    const rest = remoteDir === '~' ? '' : remoteDir.replace(/^~\//, '');
    const full = posix.normalize(remoteDir.startsWith('/') ? remoteDir : posix.join(home, rest));
    return new ReleaseLayout(full.length > 1 ? full.replace(/\/+$/, '') : full);
  }
}
