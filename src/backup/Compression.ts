// The compressors a backup may use, as host commands: the one list the compression input, the
// host's tool probe and the restore's tool check are all read from. A codec's name is also the
// tool the host must have. "auto" takes zstd when the host has it (faster at a better ratio),
// else gzip, which every host has.
import { InputError } from '../inputs/InputError.js';
import type { Argv } from '../remote/Shell.js';

export interface Compressor {
  ext: string;
  compress: Argv;
  decompress: Argv;
}

export const compressors = {
  gzip: { ext: 'gz', compress: ['gzip', '-c'], decompress: ['gzip', '-dc'] },
  // -T0: one worker per core, as the host has them; the frame checksum is on by default.
  zstd: { ext: 'zst', compress: ['zstd', '-q', '-c', '-T0'], decompress: ['zstd', '-q', '-dc'] },
} as const satisfies Record<string, Compressor>;

export type Compression = keyof typeof compressors;
export type CompressionChoice = Compression | 'auto';

export const COMPRESSIONS = Object.keys(compressors) as Compression[];
export const COMPRESSION_CHOICES: readonly CompressionChoice[] = ['auto', ...COMPRESSIONS];

/** What `auto` takes, best first. */
const AUTO_ORDER: Compression[] = ['zstd', 'gzip'];

export function pickCompression(
  choice: CompressionChoice,
  has: Partial<Record<Compression, boolean>>,
  host: string,
): Compression {
  if (choice === 'auto') {
    const found = AUTO_ORDER.find((c) => has[c]);
    if (found) return found;
    throw new InputError('compression', `${host} has neither zstd nor gzip; install one (apt-get install zstd)`);
  }
  if (!has[choice])
    throw new InputError(
      'compression',
      `${host} has no ${choice}; install it (apt-get install ${choice}) or use compression: auto`,
    );
  return choice;
}
