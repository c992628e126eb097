// SOPS files made by the real sops (tests/fixtures/sops, README there) open with the test key, in
// their own format, and a changed file, a wrong key or a value put in clear is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity } from 'age-encryption';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { openSops, sopsFormat, sopsRecipients } from '../../src/sops/SopsFile.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'sops');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const key = read('key.txt')
  .split('\n')
  .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;

describe('SOPS files', () => {
  it('tells SOPS files by their metadata, and plain files apart', () => {
    expect(sopsFormat('secret.enc.yaml', read('secret.enc.yaml'))).toBe('yaml');
    expect(sopsFormat('secret.enc.json', read('secret.enc.json'))).toBe('json');
    expect(sopsFormat('secret.enc.env', read('secret.enc.env'))).toBe('dotenv');
    expect(sopsFormat('secret.json', read('secret.json'))).toBeUndefined();
    expect(sopsFormat('app.yaml', 'sops: is a word here\n')).toBeUndefined();
  });

  it('decrypts JSON to the plaintext sops encrypted', async () => {
    const opened = await openSops('json', read('secret.enc.json'), [key]);
    expect(JSON.parse(opened.text)).toEqual(JSON.parse(read('secret.json')));
    expect(opened.values).toContain('this is a secret');
  });

  it('decrypts YAML with its types, without the sops metadata', async () => {
    const opened = await openSops('yaml', read('secret.enc.yaml'), [key]);
    expect(parse(opened.text)).toEqual({
      secret: 'this is a secret',
      string: 'string',
      int: 7,
      float: 3.14,
      boolean: true,
      complex: { value: 'this is a secret', array: ['one', 'two', 'three'] },
    });
    expect(opened.text).not.toContain('sops');
    // Values too short to mask without blanking the log (7, one) are left out of the mask.
    expect(opened.values).not.toContain('7');
  });

  it('decrypts dotenv line by line', async () => {
    const opened = await openSops('dotenv', read('secret.enc.env'), [key]);
    expect(opened.text.trim()).toBe('secret=this is a secret\nanother_secret=7');
  });

  it('refuses a file whose values were reordered (the MAC)', async () => {
    const lines = read('secret.enc.yaml').split('\n');
    const [a, b] = [lines.findIndex((l) => l.startsWith('secret:')), lines.findIndex((l) => l.startsWith('string:'))];
    // Swapping two encrypted values between keys breaks their tags (the key is in the AAD).
    const swapped = [...lines];
    swapped[a] = `secret:${lines[b]!.slice('string:'.length)}`;
    swapped[b] = `string:${lines[a]!.slice('secret:'.length)}`;
    await expect(openSops('yaml', swapped.join('\n'), [key])).rejects.toThrow(/authentication tag/);
    // Dropping a line of an array keeps every tag valid: only the MAC sees it.
    const dropped = lines.filter(
      (l, i) => !(l.trim().startsWith('- ENC[') && i === lines.findIndex((x) => x.trim().startsWith('- ENC['))),
    );
    await expect(openSops('yaml', dropped.join('\n'), [key])).rejects.toThrow(/MAC does not match/);
  });

  it('refuses a dotenv file with a line removed or put in clear', async () => {
    const text = read('secret.enc.env');
    const removed = text.replace(/^another_secret=.*\n/m, '');
    await expect(openSops('dotenv', removed, [key])).rejects.toThrow(/MAC does not match/);
    const clear = text.replace(/^another_secret=.*$/m, 'another_secret=7');
    await expect(openSops('dotenv', clear, [key])).rejects.toThrow(/in clear/);
  });

  it('names the recipients when the key opens none of them', async () => {
    const recipients = sopsRecipients('yaml', read('secret.enc.yaml'));
    expect(recipients).toHaveLength(3);
    const otherKey = await generateIdentity();
    const err = await openSops('yaml', read('secret.enc.yaml'), [otherKey]).catch((e: Error) => e);
    expect(err).toMatchObject({ aboutKey: true });
    for (const r of recipients) expect((err as Error).message).toContain(r);
  });
});
