// known_hosts as OpenSSH reads it: plain and hashed (|1|salt|hash) names, wildcards, negation,
// and @revoked. We never accept a key that is not listed: there is no "accept any key" mode.
import { createHmac } from 'node:crypto';
import { InputError } from '../inputs/InputError.js';
import { knownHostsName } from './HostSpec.js';

export interface KnownHostKey {
  keyType: string;
  key: Buffer;
  revoked: boolean;
  line: number;
}

interface Entry extends KnownHostKey {
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
}

export class KnownHosts {
  private constructor(private readonly entries: Entry[]) {}

  static parse(text: string, input = 'known-hosts'): KnownHosts {
    const entries: Entry[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const lineNo = i + 1;
      const trimmed = raw.trim();
      if (!trimmed || trimmed.startsWith('#')) return;
      const fields = trimmed.split(/\s+/);
      let revoked = false;
      if (fields[0]?.startsWith('@')) {
        const marker = fields.shift();
        if (marker === '@revoked') revoked = true;
        else if (marker === '@cert-authority')
          throw new InputError(input, `line ${lineNo}: @cert-authority entries are not supported; list the host keys`);
        else throw new InputError(input, `line ${lineNo}: unknown marker ${marker}`);
      }
      const [names, keyType, b64] = fields;
      if (!names || !keyType || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64))
        throw new InputError(
          input,
          `line ${lineNo} is not a known_hosts line (host key-type base64-key); get one with: ssh-keyscan -p PORT HOST`,
        );
      const key = Buffer.from(b64, 'base64');
      const entry: Entry = { patterns: [], keyType, key, revoked, line: lineNo };
      if (names.startsWith('|1|')) {
        const [, , salt, hash] = names.split('|');
        if (!salt || !hash) throw new InputError(input, `line ${lineNo}: malformed hashed host name`);
        entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
      } else {
        entry.patterns = names.split(',');
      }
      entries.push(entry);
    });
    return new KnownHosts(entries);
  }

  /** Keys listed for this host (revoked ones included, flagged). */
  keysFor(host: { host: string; port: number }): KnownHostKey[] {
    const name = knownHostsName(host);
    return this.entries
      .filter((e) => matches(e, name))
      .map(({ keyType, key, revoked, line }) => ({ keyType, key, revoked, line }));
  }

  /** True only when the offered key is listed for this host and not revoked. */
  accepts(host: { host: string; port: number }, offered: Buffer): boolean {
    const keys = this.keysFor(host);
    if (keys.some((k) => k.revoked && k.key.equals(offered))) return false;
    return keys.some((k) => !k.revoked && k.key.equals(offered));
  }

  /** Host key algorithms to ask the server for, so it offers a key we can check. */
  algorithmsFor(host: { host: string; port: number }): string[] {
    const algs = new Set<string>();
    for (const k of this.keysFor(host)) {
      if (k.revoked) continue;
      if (k.keyType === 'ssh-rsa') ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'].forEach((a) => algs.add(a));
      else algs.add(k.keyType);
    }
    return [...algs];
  }
}

function matches(e: Entry, name: string): boolean {
  if (e.hashed) {
    const h = createHmac('sha1', e.hashed.salt).update(name).digest();
    return h.equals(e.hashed.hash);
  }
  let hit = false;
  for (const p of e.patterns) {
    const negated = p.startsWith('!');
    if (glob(negated ? p.slice(1) : p, name)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}

function glob(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
  return re.test(name);
}
