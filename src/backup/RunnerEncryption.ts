// The runner's side of age. Where `encrypt-to` is kept: on the host when it has age (before the
// archive is written or leaves it); else, with destination artifact alone, on the runner as the
// archive streams through, with age's JavaScript implementation (age-encryption, by age's author),
// so the runner's disk and the artifact only ever hold the age file. A copy kept on a host without
// age would be plaintext: that is refused, with what to do instead. A restore from a backup on the
// runner (backup-dir) decrypts here too, so the host needs no age and never sees the identity.
import { createReadStream } from 'node:fs';
import { Duplex, Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Decrypter, Encrypter } from 'age-encryption';
import { InputError } from '../inputs/InputError.js';

export type EncryptedOn = 'host' | 'runner';

/** Where archives are encrypted; undefined: they are not. Throws when neither keeps the promise. */
export function whereToEncrypt(
  recipients: string[],
  o: { host: string; hostHasAge: boolean; toHost: boolean },
): EncryptedOn | undefined {
  if (!recipients.length) return undefined;
  if (o.hostHasAge) return 'host';
  if (o.toHost)
    throw new InputError(
      'encrypt-to',
      `${o.host} has no age, and destination host keeps a copy there that only the host can encrypt; install age on the host (apt-get install age), or use destination: artifact to encrypt on the runner`,
    );
  const ssh = recipients.find((r) => r.startsWith('ssh-'));
  if (ssh)
    throw new InputError(
      'encrypt-to',
      `${o.host} has no age, and the runner encrypts to age1… recipients only, not ${ssh.split(' ')[0]} keys; give age1… recipients (age-keygen -y), or install age on the host (apt-get install age)`,
    );
  return 'runner';
}

/** An encrypter to `recipients`, each decoded now: a bad key fails before anything changes. */
export async function runnerEncrypter(recipients: string[]): Promise<Encrypter> {
  // Loaded only here: inline it would make every run's bundle 30 % bigger, for hosts without age.
  const { Encrypter } = await import('age-encryption');
  const e = new Encrypter();
  for (const r of recipients) {
    try {
      e.addRecipient(r);
    } catch {
      throw new InputError('encrypt-to', `'${r.slice(0, 20)}…' is not a valid age1… recipient (its checksum fails)`);
    }
  }
  return e;
}

/**
 * Plaintext in, one age file out (header, then 64 KiB chunks sealed one at a time): a fresh file
 * key per archive, and backpressure from the file it is written to, so memory holds a chunk or two.
 */
export async function encryptingStream(e: Encrypter): Promise<Duplex> {
  const plain = new TransformStream<Uint8Array, Uint8Array>();
  const sealed = await e.encrypt(plain.readable);
  // The same web stream object; age-encryption types it as the DOM's ReadableStream, Node as its own.
  return Duplex.fromWeb({ readable: sealed as unknown as NodeReadableStream<Uint8Array>, writable: plain.writable });
}

/** A decrypter holding the identities (AGE-SECRET-KEY-1… lines, as readIdentities checked them). */
export async function runnerDecrypter(identities: string[]): Promise<Decrypter> {
  const { Decrypter } = await import('age-encryption');
  const d = new Decrypter();
  for (const i of identities) d.addIdentity(i);
  return d;
}

/**
 * An age file's plaintext, streamed: no identity that opens the header rejects here; a chunk that
 * fails its tag (damage, truncation) errors the stream when it is reached.
 */
export async function decryptedFile(d: Decrypter, path: string): Promise<Readable> {
  const file = Readable.toWeb(createReadStream(path, { highWaterMark: 64 * 1024 }));
  const plain = await d.decrypt(file as unknown as ReadableStream<Uint8Array>);
  return Readable.fromWeb(plain as unknown as NodeReadableStream<Uint8Array>);
}
