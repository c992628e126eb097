// How an image can read a volume, asked once per image id, ever: the answer is kept beside the
// backups, since an image id names its content and so how it reads a volume never changes. A later
// backup then need not start a container to ask.
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { any, group, line, pipe, quote, all } from '../Shell.js';
import { HelperContainers } from './HelperContainers.js';

/** An image id (not a tag, whose content can change): what the tar probe's results are kept by. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** How volumes are read with an image: by tar run from its sh, by tar alone, or (no tar) docker cp. */
export type TarReader = 'sh' | 'tar' | 'no';

/**
 * `tarimage <id> sh|tar|no` lines (TarImageCommands.read), the last word on each id winning. An
 * earlier version's `yes` said only that tar runs: ignored, so the image is asked again whether sh does.
 */
export function parseTarImages(stdout: string): Map<string, TarReader> {
  const found = new Map<string, TarReader>();
  for (const m of stdout.matchAll(/^tarimage (sha256:[0-9a-f]{64}) (sh|tar|no)$/gm))
    found.set(m[1]!, m[2] as TarReader);
  return found;
}

export class TarImageCommands {
  private readonly containers: HelperContainers;

  constructor(
    private readonly layout: ReleaseLayout,
    token: string,
  ) {
    this.containers = new HelperContainers(token);
  }

  private get file(): string {
    return `${this.layout.backupsDir}/.tar-images`;
  }

  /** What earlier probes found, as `tarimage <id> sh|tar|no` lines. */
  read(): string {
    return any(`sed 's/^/tarimage /' ${quote(this.file)} 2>/dev/null`, 'true');
  }

  /** Adds probe results (image ids only), keeping the newest 200 lines. */
  remember(found: Map<string, TarReader>): string {
    const lines = [...found].map(([id, reader]) => `${id} ${reader}`);
    const kept = pipe(group(`cat ${quote(this.file)} 2>/dev/null`, ['printf', '%s\\n', ...lines]), 'tail -n 200');
    return all(`${kept} > ${quote(`${this.file}.tmp`)}`, ['mv', `${this.file}.tmp`, this.file]);
  }

  /** Drops every kept answer: after tar failed in an image, it is asked again next time. */
  forget(): string {
    return line(['rm', '-f', this.file]);
  }

  /**
   * Prints how `image` can read a volume (as root, tried on /dev/null): `sh` when its sh runs its
   * tar, `tar` when only tar runs (an image without a shell), `no` without tar.
   */
  probe(image: string): string {
    const quiet = '>/dev/null 2>&1';
    const bySh = line(
      this.containers.run('--user', '0:0', '--entrypoint', 'sh', image, '-c', 'tar -cf - -C /dev null'),
    );
    const alone = line(
      this.containers.run('--user', '0:0', '--entrypoint', 'tar', image, '-cf', '-', '-C', '/dev', 'null'),
    );
    return `if ${bySh} ${quiet}; then echo sh; elif ${alone} ${quiet}; then echo tar; else echo no; fi`;
  }
}
