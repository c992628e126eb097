import { describe, expect, it } from 'vitest';
import { parseHealthTarget, splitWords } from '../../src/health/healthTargets.js';

describe('health targets', () => {
  it('reads http, tcp and exec targets', () => {
    expect(parseHealthTarget('http://127.0.0.1:8080/health')).toEqual({
      kind: 'http',
      raw: 'http://127.0.0.1:8080/health',
    });
    expect(parseHealthTarget('tcp://127.0.0.1:6379')).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: 6379 });
    expect(parseHealthTarget('tcp://[::1]:6379')).toMatchObject({ kind: 'tcp', host: '::1', port: 6379 });
    expect(parseHealthTarget(`exec://redis/redis-cli -a "my pass" ping`)).toMatchObject({
      kind: 'exec',
      service: 'redis',
      argv: ['redis-cli', '-a', 'my pass', 'ping'],
    });
  });

  it('refuses unknown schemes and malformed targets, saying what to write', () => {
    expect(parseHealthTarget('ftp://127.0.0.1/x')).toEqual({
      error:
        "'ftp://127.0.0.1/x' has the scheme ftp://, which njord cannot check: use http://, https://, tcp:// or exec://",
    });
    expect(parseHealthTarget('127.0.0.1:8080')).toHaveProperty('error');
    expect(parseHealthTarget('tcp://127.0.0.1')).toEqual({
      error: "'tcp://127.0.0.1' is not tcp://HOST:PORT (for example tcp://127.0.0.1:6379)",
    });
    expect(parseHealthTarget('tcp://127.0.0.1:70000')).toHaveProperty('error');
    expect(parseHealthTarget('exec://redis/')).toHaveProperty('error');
    expect(parseHealthTarget("exec://redis/redis-cli 'ping")).toHaveProperty('error');
  });

  it('splits words as a shell does, without expanding anything', () => {
    expect(splitWords(`a  'b c' "d'e" $HOME ''`)).toEqual(['a', 'b c', "d'e", '$HOME', '']);
  });
});
