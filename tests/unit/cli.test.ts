// The CLI's own parts, without a host: flags, environment and YAML into the actions' inputs, and
// the markdown report as terminal text.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { declaredInputs } from '../../src/cli/ActionInputs.js';
import { collectInputs, configValues, envName, parseArgs, UsageError } from '../../src/cli/CliInputs.js';
import { commands } from '../../src/cli/commands.js';
import { markdownToText } from '../../src/cli/PlainText.js';
import { RunSummary } from '../../src/report/SummaryMarkdown.js';

const root = resolve(import.meta.dirname, '../..');

describe('arguments', () => {
  it('reads the command, --name value, --name=value, switches and repeated flags', () => {
    const { command, flags } = parseArgs([
      'rollback',
      '--to',
      'v2',
      '--hosts=a@x',
      '--hosts',
      'b@y',
      '--dry-run',
      '--json',
      '--reason',
      'bad deploy',
    ]);
    expect(command).toBe('rollback');
    expect(Object.fromEntries(flags)).toEqual({
      to: 'v2',
      hosts: 'a@x\nb@y',
      'dry-run': 'true',
      json: 'true',
      reason: 'bad deploy',
    });
    expect(() => parseArgs(['rollback', 'extra'])).toThrow(UsageError);
    expect(envName('health-url')).toBe('NJORD_HEALTH_URL');
  });
});

describe('inputs from flags, environment, config file and defaults', () => {
  const declared = [
    { name: 'hosts', description: '', required: true },
    { name: 'ssh-key', description: '', required: true },
    { name: 'to', description: '', required: false, default: 'previous' },
    { name: 'reason', description: '', required: false },
    { name: 'app', description: '', required: false },
  ];
  const files: Record<string, string> = {
    '/keys/id': 'KEY FROM FILE',
    '/cfg/reason.txt': 'from a file next to the config',
  };
  const collect = (flags: string[], env: NodeJS.ProcessEnv = {}, config: Record<string, string> = {}) =>
    Object.fromEntries(
      collectInputs(declared, new Set(['ssh-key']), {
        flags: parseArgs(['rollback', ...flags]).flags,
        env,
        config: new Map(Object.entries(config)),
        configDir: '/cfg',
        readFile: (p) => {
          if (!(p in files)) throw new Error('ENOENT');
          return files[p]!;
        },
      }),
    );

  it('takes a flag over the environment over the config file over the default', () => {
    const env = { NJORD_HOSTS: 'env@h', NJORD_TO: 'v1', NJORD_APP: 'shop' };
    const config = { hosts: 'cfg@h', to: 'v0', reason: 'cfg reason', app: 'cfgapp' };
    expect(collect(['--hosts', 'flag@h'], env, config)).toMatchObject({
      hosts: 'flag@h',
      to: 'v1',
      app: 'shop',
      reason: 'cfg reason',
    });
    expect(collect([], {}, {})).toEqual({ to: 'previous' });
  });

  it('reads -file variants, config-relative paths from the config file', () => {
    expect(collect(['--ssh-key-file', '/keys/id'])['ssh-key']).toBe('KEY FROM FILE');
    expect(collect([], { NJORD_SSH_KEY_FILE: '/keys/id' })['ssh-key']).toBe('KEY FROM FILE');
    expect(collect([], {}, { 'reason-file': 'reason.txt' }).reason).toBe('from a file next to the config');
    expect(() => collect(['--ssh-key-file', '/nope'])).toThrow(/cannot read \/nope: ENOENT/);
  });

  it('never takes a secret from a flag value, and names unknown flags', () => {
    expect(() => collect(['--ssh-key', 'AAAA'])).toThrow(
      /--ssh-key would show the secret in the process list; use --ssh-key-file PATH, or the NJORD_SSH_KEY environment variable/,
    );
    expect(collect([], { NJORD_SSH_KEY: 'KEY FROM ENV' })['ssh-key']).toBe('KEY FROM ENV');
    expect(() => collect(['--too', 'v2'])).toThrow(/--too is not an option of this command/);
  });

  it('turns YAML lists and maps into the lines an input holds', () => {
    const doc = parse(
      'hosts: [a@x, b@y]\nenv: {MODE: production, LEVEL: 3}\nheaders: {Host: shop.example}\nhealth-successes: 3\ndry-run: true\n',
    );
    const known = new Set(['hosts', 'env', 'headers', 'health-successes', 'dry-run']);
    expect(Object.fromEntries(configValues(doc, known, 'njord.yml'))).toEqual({
      hosts: 'a@x\nb@y',
      env: 'MODE=production\nLEVEL=3',
      headers: 'Host: shop.example',
      'health-successes': '3',
      'dry-run': 'true',
    });
    expect(() => configValues({ hots: 'x' }, known, 'njord.yml')).toThrow(
      /njord.yml: 'hots' is not an input of any command/,
    );
  });
});

describe('commands and the actions they mirror', () => {
  it('each command takes its action’s inputs, with their defaults', () => {
    for (const c of commands) {
      const names = declaredInputs(root, c.actionDir).map((d) => d.name);
      for (const name of ['hosts', 'ssh-key', 'known-hosts'])
        if (c.name !== 'health-gate') expect(names, c.name).toContain(name);
      for (const s of c.secrets.filter((x) => x !== 'github-token')) expect(names, `${c.name} ${s}`).toContain(s);
    }
    const rollback = declaredInputs(root, 'actions/rollback');
    expect(rollback.find((d) => d.name === 'to')?.default).toBe('previous');
    expect(rollback.find((d) => d.name === 'hosts')?.required).toBe(true);
  });
});

describe('the report as text', () => {
  it('underlines the headline, aligns tables, keeps details under their title', () => {
    const s = new RunSummary('Rollback shop')
      .headline('success', 'rolled back to `r1`')
      .paragraph('**host**: fine, see [the run](https://example.com/run)')
      .table(
        ['Host', 'Result'],
        [
          ['a@x', 'rolled-back'],
          ['longer@host|pipe', 'ok'],
        ],
      )
      .details('logs of web', 'line 1\nline 2');
    const text = markdownToText(s.markdown());
    expect(text).toBe(
      [
        '✅ Rollback shop: rolled back to r1',
        '='.repeat(35),
        '',
        'host: fine, see the run (https://example.com/run)',
        '',
        'Host              Result',
        '----------------  -----------',
        'a@x               rolled-back',
        'longer@host|pipe  ok',
        '',
        '▸ logs of web',
        '',
        'line 1',
        'line 2',
        '',
      ].join('\n'),
    );
  });
});
