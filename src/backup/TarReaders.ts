// How each image reads a volume: kept on the host from earlier backups, and probed once per image
// id for the rest. What this run probed is remembered on the host with the backup directory.
import type { HostSession } from '../ssh/HostSession.js';
import { IMAGE_ID, parseTarImages, TarImageCommands, type TarReader } from '../remote/backup/TarImageCommands.js';

export class TarReaders {
  private readonly cmd: TarImageCommands;
  private known = new Map<string, TarReader>();
  /** Probed by this run, by image id. */
  private readonly probed = new Map<string, TarReader>();

  constructor(
    private readonly session: HostSession,
    token: string,
  ) {
    this.cmd = new TarImageCommands(session.layout, token);
  }

  /** Prints what earlier backups found: run with the tool probe, in its round trip. */
  readCommand(): string {
    return this.cmd.read();
  }

  /** Takes what readCommand printed. */
  load(stdout: string): void {
    this.known = parseTarImages(stdout);
  }

  /** How volumes are read with `image` (asked once per image id, ever). */
  async of(image: string): Promise<TarReader> {
    if (!this.known.has(image)) {
      const said = (await this.session.ssh.exec(this.cmd.probe(image))).stdout.trim();
      const reader: TarReader = said === 'sh' || said === 'tar' ? said : 'no';
      this.known.set(image, reader);
      if (IMAGE_ID.test(image)) this.probed.set(image, reader);
    }
    return this.known.get(image)!;
  }

  /** Appends to `createDir` the command that remembers this run's probes, when it made any. */
  withRemembered(createDir: string): string {
    return this.probed.size ? `${createDir} && { ${this.cmd.remember(this.probed)} || true; }` : createDir;
  }
}
