// A malformed secrets line never reaches the log: errors name its line number only, and masking
// registers the whole line (a pasted key's base64 ends in `=`), never a trivial string such as `=`.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const registered = vi.hoisted(() => [] as string[]);
vi.mock('@actions/core', async (real) => ({
  ...(await real<typeof import('@actions/core')>()),
  setSecret: (s: string) => registered.push(s),
}));

import { InputReader } from '../../src/inputs/InputReader.js';
import { maskSecrets } from '../../src/report/RunPage.js';
import { inputError } from '../support/inputError.js';

const reader = (values: Record<string, string>) => new InputReader({ get: (n) => values[n] ?? '' });

// The tail of a pasted private key: its last base64 line ends in `=` padding.
const KEY_LINE = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9+/ZQAAAAAAAAABAAAAMwAAAAtzc2gtZW==';

describe('secrets lines in errors', () => {
  it('names the line number of a bad line and never prints any of its text', () => {
    for (const secrets of [`DB_PASSWORD=hunter22\n${KEY_LINE}`, `DB_PASSWORD=hunter22\nb3Blbn-NzaC1r=ZXktdjEAAAAA`]) {
      const err = inputError(() => reader({ secrets }).keyValues('secrets', { secret: true }));
      for (const part of secrets.split('\n')[1]!.split('='))
        if (part) expect(err.message, 'a part of the line').not.toContain(part);
      expect(err.message).toMatch(/^Input 'secrets': line 2\b/);
      expect(err.message).toContain('not shown');
    }
  });

  it('does not print the name a repeated line sets', () => {
    const err = inputError(() =>
      reader({ secrets: 'QUJDREVGR0hJSktMTU5PUA=x\nQUJDREVGR0hJSktMTU5PUA=y' }).keyValues('secrets', { secret: true }),
    );
    expect(err.message).toBe("Input 'secrets': line 2 sets the same name as line 1; set it once");
  });

  it('still names the bad key of a plain input, which holds no secret', () => {
    expect(() => reader({ env: 'BAD-KEY=1' }).keyValues('env')).toThrow(
      "Input 'env': line 1: 'BAD-KEY' is not a variable name (letters, digits and _)",
    );
  });
});

describe('masking the secrets input', () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it('masks a bad line whole, and never a trivial string', () => {
    const secrets = ['DB_PASSWORD=hunter22', KEY_LINE, 'PAD==', 'EMPTY=', 'ONE=1', '', '   ', '# a comment'].join('\n');
    maskSecrets(reader({ secrets }).keyValuesLoose('secrets'));
    expect(registered).toContain('hunter22');
    expect(registered).toContain(KEY_LINE);
    for (const trivial of ['=', '==', '', ' ', '1']) expect(registered).not.toContain(trivial);
    expect(registered.filter((s) => s.includes('comment'))).toEqual([]);
  });

  it('masks a value with the spaces around it and without them', () => {
    maskSecrets(reader({ secrets: 'TOKEN=  s3cret \r\n' }).keyValuesLoose('secrets'));
    expect(registered).toContain('  s3cret ');
    expect(registered).toContain('s3cret');
  });
});
