// Where an app lives on a host. Everything njord writes stays under this root.
import { posix } from 'node:path';

export class ReleaseLayout {
  readonly releasesDir: string;
  /** Symlink to the release that passed its gate last. */
  readonly current: string;
  readonly lockDir: string;
  readonly lockOwner: string;
  /** One JSON line per deploy or rollback: the history the rollback action reads. */
  readonly history: string;
  /** Registry credentials for this app only, never the user's ~/.docker. */
  readonly dockerConfig: string;
  /** Backups of the app's data (the backup and restore actions): one directory per backup. */
  readonly backupsDir: string;

  constructor(
    /** Absolute path on the host, e.g. /home/deploy/njord/shop. */
    readonly root: string,
  ) {
    if (!root.startsWith('/')) throw new Error(`release root must be absolute, got ${root}`);
    this.releasesDir = posix.join(root, 'releases');
    this.current = posix.join(root, 'current');
    this.lockDir = posix.join(root, '.lock');
    this.lockOwner = posix.join(this.lockDir, 'owner.json');
    this.history = posix.join(root, 'history.jsonl');
    this.dockerConfig = posix.join(root, '.docker');
    this.backupsDir = posix.join(root, 'backups');
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
