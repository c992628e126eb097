import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/inputs/InputError.js';
import { parseHostList, parseHostSpec } from '../../src/ssh/HostSpec.js';
import { KnownHosts } from '../../src/ssh/KnownHosts.js';

const keyA = randomBytes(51);
const keyB = randomBytes(51);
const b64 = (b: Buffer) => b.toString('base64');

describe('HostSpec', () => {
  it('parses user@host, a port, and IPv6 in brackets', () => {
    expect(parseHostSpec('deploy@app1.example.com')).toMatchObject({
      user: 'deploy',
      host: 'app1.example.com',
      port: 22,
    });
    expect(parseHostSpec('deploy@10.0.0.5:2222')).toMatchObject({ host: '10.0.0.5', port: 2222 });
    expect(parseHostSpec('ops@[::1]:22')).toMatchObject({ host: '::1', port: 22 });
  });

  it.each([
    ['app1.example.com', /user@host/],
    ['deploy@', /user@host/],
    ['deploy@host:99999', /port 99999/],
    ['deploy@bad_host!', /is not a valid host name/],
    ['de ploy@host', /user@host/],
    ['deploy@host;rm -rf /', /user@host|not a valid/],
  ])('rejects %s naming the hosts input', (text, why) => {
    const err = (() => {
      try {
        parseHostSpec(text);
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err!.input).toBe('hosts');
    expect(err!.message).toMatch(why);
  });

  it('rejects an empty list and duplicates', () => {
    expect(() => parseHostList([])).toThrow(/hosts.*required/);
    expect(() => parseHostList(['a@h', 'a@h:22'])).toThrow(/listed twice/);
  });
});

describe('KnownHosts', () => {
  it('accepts only the listed key, for the right host and port', () => {
    const kh = KnownHosts.parse(
      `[127.0.0.1]:2222 ssh-ed25519 ${b64(keyA)}\napp.example.com ssh-ed25519 ${b64(keyB)}\n`,
    );
    expect(kh.accepts({ host: '127.0.0.1', port: 2222 }, keyA)).toBe(true);
    expect(kh.accepts({ host: '127.0.0.1', port: 2222 }, keyB)).toBe(false);
    expect(kh.accepts({ host: '127.0.0.1', port: 22 }, keyA)).toBe(false);
    expect(kh.accepts({ host: 'app.example.com', port: 22 }, keyB)).toBe(true);
  });

  it('matches hashed host names as ssh-keygen -H writes them', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.1.2.3]:2200').digest();
    const kh = KnownHosts.parse(`|1|${b64(salt)}|${b64(hash)} ssh-ed25519 ${b64(keyA)}`);
    expect(kh.accepts({ host: '10.1.2.3', port: 2200 }, keyA)).toBe(true);
    expect(kh.accepts({ host: '10.1.2.4', port: 2200 }, keyA)).toBe(false);
  });

  it('honours wildcards, negation and @revoked', () => {
    const kh = KnownHosts.parse(
      [
        `*.example.com,!evil.example.com ssh-ed25519 ${b64(keyA)}`,
        `@revoked * ssh-ed25519 ${b64(keyB)}`,
        `*.example.com ssh-ed25519 ${b64(keyB)}`,
      ].join('\n'),
    );
    expect(kh.accepts({ host: 'web.example.com', port: 22 }, keyA)).toBe(true);
    expect(kh.accepts({ host: 'evil.example.com', port: 22 }, keyA)).toBe(false);
    expect(kh.accepts({ host: 'web.example.com', port: 22 }, keyB)).toBe(false);
  });

  it('asks the server for the key types it lists (rsa as its sha2 signatures)', () => {
    const kh = KnownHosts.parse(`h ssh-rsa ${b64(keyA)}\nh ecdsa-sha2-nistp256 ${b64(keyB)}`);
    expect(kh.algorithmsFor({ host: 'h', port: 22 })).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ecdsa-sha2-nistp256',
    ]);
  });

  it('says which line is malformed', () => {
    expect(() => KnownHosts.parse('# ok\nhost-without-key\n')).toThrow(/known-hosts.*line 2/);
    expect(() => KnownHosts.parse(`@cert-authority *.x ssh-ed25519 ${b64(keyA)}`)).toThrow(/cert-authority/);
  });
});
