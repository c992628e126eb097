// The two compressors a backup may use, as host commands. "auto" takes zstd when the host has it
// (faster at a better ratio), else gzip, which every host has.
import { InputError } from '../inputs/InputError.js';
import type { Argv } from '../remote/Shell.js';

export type Compression = 'gzip' | 'zstd';
export type CompressionChoice = Compression | 'auto';
export const COMPRESSION_CHOICES = ['auto', 'gzip', 'zstd'] as const;

export interface Compressor {
  ext: string;
  compress: Argv;
  decompress: Argv;
}

export const compressors: Record<Compression, Compressor> = {
  gzip: { ext: 'gz', compress: ['gzip', '-c'], decompress: ['gzip', '-dc'] },
  // -T0: one worker per core, as the host has them; the frame checksum is on by default.
  zstd: { ext: 'zst', compress: ['zstd', '-q', '-c', '-T0'], decompress: ['zstd', '-q', '-dc'] },
};

export function pickCompression(
  choice: CompressionChoice,
  has: Record<Compression, boolean>,
  host: string,
): Compression {
  if (choice === 'auto') {
    if (has.zstd) return 'zstd';
    if (has.gzip) return 'gzip';
    throw new InputError('compression', `${host} has neither zstd nor gzip; install one (apt-get install zstd)`);
  }
  if (!has[choice])
    throw new InputError(
      'compression',
      `${host} has no ${choice}; install it (apt-get install ${choice}) or use compression: auto`,
    );
  return choice;
}
