// Which tools a host has for backup and restore, asked in one round trip. The compressors come
// from the one list in Compression.ts: a new codec is probed and reported with no change here.
import { COMPRESSIONS, type Compression } from '../../backup/Compression.js';
import { ifThen, quiet } from '../Shell.js';

const OTHER_TOOLS = ['age', 'sha256sum', 'mkfifo', 'tar', 'docker'] as const;
const PROBED = [...COMPRESSIONS, ...OTHER_TOOLS];

export type HostTools = Record<Compression | (typeof OTHER_TOOLS)[number] | 'gnutar', boolean>;

/** `<tool>=1` or `<tool>=0` a line, for each tool and for whether tar is GNU's. */
export const toolsProbe = [
  `for t in ${PROBED.join(' ')}; do ${ifThen(quiet('command -v $t'), 'echo "$t=1"', 'echo "$t=0"')}; done`,
  "if tar --version 2>/dev/null | head -1 | grep -q 'GNU tar'; then echo gnutar=1; else echo gnutar=0; fi",
].join('; ');

export function parseTools(stdout: string): HostTools {
  const has = (k: string) => new RegExp(`^${k}=1$`, 'm').test(stdout);
  return Object.fromEntries([...PROBED, 'gnutar'].map((t) => [t, has(t)])) as HostTools;
}
