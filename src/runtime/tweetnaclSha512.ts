// Stands in for `tweetnacl` in the bundles (tsconfig.json's paths map the name here). Its only user
// is ssh2's bcrypt-pbkdf (the KDF of passphrase-protected OpenSSH keys), which takes nothing but
// tweetnacl's SHA-512; Node's crypto computes the same digest without bundling the whole library.
import { createHash } from 'node:crypto';

export const lowlevel = {
  /** tweetnacl's crypto_hash: writes the SHA-512 of m's first n bytes into out; 0 means success. */
  crypto_hash(out: Uint8Array, m: Uint8Array, n: number): number {
    out.set(createHash('sha512').update(m.subarray(0, n)).digest());
    return 0;
  },
};
