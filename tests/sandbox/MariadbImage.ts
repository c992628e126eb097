// A MariaDB image for the backup tests, built from Debian's packages (tests/sandbox/DebianImage.ts)
// with an entrypoint that behaves like the official image's (mariadb-entrypoint.sh beside this file).
import { readFileSync } from 'node:fs';
import { ensureDebianImage } from './DebianImage.js';
import type { SandboxInfo } from './Sandbox.js';

/** The image ref (in the sandbox registry) of a MariaDB server, built once per machine. */
export function ensureMariadbImage(info: SandboxInfo): Promise<string> {
  return ensureDebianImage(info, {
    name: 'mariadb',
    // Bump the number when this recipe or the entrypoint changes.
    tag: 'mariadb-bookworm-2',
    include: ['mariadb-server'],
    // The package's own data directory: the entrypoint initialises one in the volume.
    remove: ['/var/lib/mysql/*'],
    files: {
      '/usr/local/bin/njord-mariadb-entrypoint': readFileSync(
        new URL('./mariadb-entrypoint.sh', import.meta.url),
        'utf8',
      ),
    },
    changes: [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV LANG=C.UTF-8',
      'CMD ["/usr/local/bin/njord-mariadb-entrypoint"]',
    ],
  });
}
