// The cryptography of a SOPS file opened with age: the data key from the age stanzas (age's own
// JavaScript implementation), each `ENC[AES256_GCM,…]` value (node:crypto), and the MAC over the
// plaintext in document order, which catches a value removed, added, moved or changed.
import { createDecipheriv, createHash, type Hash } from 'node:crypto';

/** Why a SOPS file could not be opened; the caller names the file and the input. */
export class SopsError extends Error {
  override name = 'SopsError';
  constructor(
    message: string,
    /** True when the key is at fault (none given, or it opens no recipient), not the file. */
    readonly aboutKey = false,
  ) {
    super(message);
  }
}

export interface SopsMetadata {
  /** Each age recipient with its armored age file holding the data key. */
  age: { recipient: string; enc: string }[];
  lastmodified: string;
  /** `ENC[…]`: the sha512 of the values, encrypted with the data key. */
  mac: string;
  /** Keys ending so were left in clear by sops. */
  unencryptedSuffix?: string;
  /** sops' `mac_only_encrypted`: values in clear are not part of the MAC. */
  macOnlyEncrypted: boolean;
}

const ENC = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:(\w+)\]$/;

export function isEncrypted(value: string): boolean {
  return ENC.test(value);
}

export interface Plain {
  text: string;
  /** str, int, float, bool, bytes or comment: how sops typed the value. */
  type: string;
}

/** One value; `aad` is its path, each key followed by ':' (list items add nothing). */
export function decryptValue(value: string, dataKey: Uint8Array, aad: string): Plain {
  const m = ENC.exec(value);
  if (!m) throw new SopsError(`a value is not in sops' ENC[AES256_GCM,…] form`);
  try {
    const d = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(m[2]!, 'base64'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(m[3]!, 'base64'));
    const text = Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]).toString('utf8');
    return { text, type: m[4]! };
  } catch {
    const where = aad.replace(/:$/, '').replace(/:/g, '.') || 'the MAC';
    throw new SopsError(`the value at ${where} fails its authentication tag: the file was changed after sops wrote it`);
  }
}

/** The data key, from the age stanza of the first identity that is one of the file's recipients. */
export async function openDataKey(meta: SopsMetadata, identities: string[]): Promise<Uint8Array> {
  const { Decrypter, armor, identityToRecipient } = await import('age-encryption');
  const recipients = meta.age.map((a) => a.recipient);
  if (!recipients.length) throw new SopsError('it has no age recipients (only age is supported)');
  const mine: string[] = [];
  for (const identity of identities) {
    let recipient: string;
    try {
      recipient = await identityToRecipient(identity);
    } catch {
      throw new SopsError('the key is not an age identity (AGE-SECRET-KEY-1…)', true);
    }
    mine.push(recipient);
    const stanza = meta.age.find((a) => a.recipient === recipient);
    if (!stanza) continue;
    const d = new Decrypter();
    d.addIdentity(identity);
    let key: Uint8Array;
    try {
      key = await d.decrypt(armor.decode(stanza.enc), 'uint8array');
    } catch (e) {
      throw new SopsError(`the data key for ${recipient} does not decrypt: ${(e as Error).message}`);
    }
    if (key.length !== 32) throw new SopsError('the data key is not 32 bytes');
    return key;
  }
  throw new SopsError(`the key (${mine.join(', ')}) opens none of its recipients: ${recipients.join(', ')}`, true);
}

/** Hashes the plaintext of each value in document order, as sops does for its MAC. */
export class MacHash {
  private readonly h: Hash = createHash('sha512');
  add(plain: string): void {
    this.h.update(plain, 'utf8');
  }
  /** Throws unless the file's MAC matches what was hashed. */
  verify(meta: SopsMetadata, dataKey: Uint8Array): void {
    const expected = decryptValue(meta.mac, dataKey, meta.lastmodified).text;
    if (expected.toUpperCase() !== this.h.digest('hex').toUpperCase())
      throw new SopsError('its MAC does not match its values: the file was changed after sops wrote it');
  }
}

/** A value in clear as sops hashes it (Go's formatting: bools as True/False). */
export function clearBytes(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
