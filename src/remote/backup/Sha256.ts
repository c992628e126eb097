// Checksums on the host, as backup writes them and restore checks them.
import { quote } from '../Shell.js';

/**
 * sha256 of stdin, the hex first on its line. OpenSSL's uses the CPU's SHA instructions, which
 * coreutils' sha256sum does not, so it is taken when the host has it.
 */
export const SHA256_OF_STDIN =
  '{ if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi; }';

/** The file's sha256 in hex, alone on its line. */
export function sha256Of(path: string): string {
  return `${SHA256_OF_STDIN} < ${quote(path)} | cut -c1-64`;
}
