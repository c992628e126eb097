// The helpers commands are joined with, as Kamal's combine, chain and pipe.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { any, chain, group, ifThen, pipe, quiet, script, substitute } from '../../src/remote/Shell.js';

describe('Shell joins', () => {
  it('quotes argv and leaves strings as written', () => {
    expect(chain(['echo', 'a b'], 'true')).toBe("echo 'a b'; true");
    expect(pipe(['printf', '%s\\n', 'x'], 'cat')).toBe("printf '%s\\n' x | cat");
    expect(any('false', ['exit', '1'])).toBe('false || exit 1');
  });

  it('writes a script a line a command, leaving out the parts not wanted', () => {
    expect(script('a', undefined, false, '', ['b', 'c d'])).toBe("a\nb 'c d'");
  });

  it('wraps: quiet, substitution, group, if', () => {
    expect(quiet(['docker', 'rm', '-f', '$cid'])).toBe("docker rm -f '$cid' >/dev/null 2>&1");
    expect(substitute(['id', '-u'])).toBe('$(id -u)');
    expect(group('a', 'b')).toBe('{ a; b; }');
    expect(ifThen('[ -d x ]', 'echo ok')).toBe('if [ -d x ]; then echo ok; fi');
    expect(ifThen('[ -d x ]', 'echo ok', 'echo no')).toBe('if [ -d x ]; then echo ok; else echo no; fi');
  });

  it('runs as sh reads it', () => {
    const out = execFileSync('sh', [
      '-c',
      script(chain('x=1', ifThen('[ "$x" = 1 ]', 'echo one')), any('false', 'echo two')),
    ]);
    expect(out.toString()).toBe('one\ntwo\n');
  });
});
