// The bundles' stand-in for tweetnacl (src/runtime/tweetnaclSha512.ts, mapped by tsconfig.json's
// paths) must hash exactly as tweetnacl does for ssh2's bcrypt-pbkdf, which passes buffers longer
// than the length it hashes.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lowlevel } from '../../src/runtime/tweetnaclSha512.js';

const require = createRequire(import.meta.url);
type Tweetnacl = typeof import('../../src/runtime/tweetnaclSha512.js');
type BcryptPbkdf = {
  pbkdf(
    pass: Buffer,
    passLen: number,
    salt: Buffer,
    saltLen: number,
    key: Buffer,
    keyLen: number,
    rounds: number,
  ): number;
};

/** bcrypt-pbkdf loaded afresh, taking its SHA-512 from `hash` (it reads tweetnacl once, as it loads). */
function bcryptPbkdfWith(hash: Tweetnacl['lowlevel']['crypto_hash']): BcryptPbkdf {
  const tweetnacl = require('tweetnacl') as Tweetnacl;
  const own = tweetnacl.lowlevel.crypto_hash;
  delete require.cache[require.resolve('bcrypt-pbkdf')];
  tweetnacl.lowlevel.crypto_hash = hash;
  try {
    return require('bcrypt-pbkdf') as BcryptPbkdf;
  } finally {
    tweetnacl.lowlevel.crypto_hash = own;
    delete require.cache[require.resolve('bcrypt-pbkdf')];
  }
}

describe('tweetnacl stand-in', () => {
  it.each([0, 1, 4, 111, 112, 127, 128, 129, 300])('hashes the first %i bytes as tweetnacl does', (n) => {
    const m = randomBytes(n + 7);
    const ours = new Uint8Array(64);
    const theirs = new Uint8Array(64);
    expect(lowlevel.crypto_hash(ours, m, n)).toBe(0);
    expect((require('tweetnacl') as Tweetnacl).lowlevel.crypto_hash(theirs, m, n)).toBe(0);
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });

  it('lets bcrypt-pbkdf derive the same key as with tweetnacl', () => {
    const derive = (kdf: BcryptPbkdf) => {
      const key = Buffer.alloc(48);
      expect(kdf.pbkdf(Buffer.from('passphrase'), 10, Buffer.from('saltsalt'), 8, key, 48, 2)).toBe(0);
      return key.toString('hex');
    };
    const withTweetnacl = derive(bcryptPbkdfWith((require('tweetnacl') as Tweetnacl).lowlevel.crypto_hash));
    expect(derive(bcryptPbkdfWith(lowlevel.crypto_hash))).toBe(withTweetnacl);
  });
});
