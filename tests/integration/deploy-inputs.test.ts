// Bad input to the deploy gets an error that names the input and what to fix, and changes nothing
// on any host. Run through dist/deploy, as users run it.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { freePort, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { describeOnSandbox, sandboxInfo, versionImage } from '../support/sandboxSuite.js';

describeOnSandbox('deploy input errors', () => {
  const info = sandboxInfo();
  let image: TestImage;
  let app: TestApp;

  beforeAll(async () => {
    image = await versionImage(info, 'njord-test/deploy', 'v1');
    app = await newApp(info, 'inputs');
  });
  afterAll(() => removeApp(app));

  // The first server's SSH port, known when the cases are listed (before beforeAll runs).
  const sshPort = inject('sandbox')?.sshPort ?? 0;

  const nothingOnHost = () => expect(onHost(`test -e ${app.root} && echo exists || echo absent`)).toBe('absent');

  // A host reads as code in the summary (GitHub would make a mailto: link of user@host).
  const rowOf = (host: string, result: string) => `| \`${host}\` | ${result} |`;
  const notContacted = () => [rowOf(info.hostSpec, 'not contacted (bad input)')];
  // What each case's job summary shows per host: none when the hosts input itself is wrong.
  const cases: [
    string,
    () => Promise<Record<string, string>>,
    RegExp,
    ((given: Record<string, string>) => string[])?,
  ][] = [
    [
      'a malformed host',
      async () => ({ hosts: 'app1.example.com' }),
      /Input 'hosts': 'app1.example.com' is not user@host\[:port\]/,
      () => [],
    ],
    [
      'a host with a bad port',
      async () => ({ hosts: 'deploy@app1:70000' }),
      /Input 'hosts': .*port 70000 is out of range/,
      () => [],
    ],
    ['a missing key', async () => ({ 'ssh-key': '' }), /Input 'ssh-key': is required/],
    [
      'a key that is not a key',
      async () => ({ 'ssh-key': 'ghp_notakey' }),
      /Input 'ssh-key': is not a private key in OpenSSH or PEM format/,
    ],
    ['missing known hosts', async () => ({ 'known-hosts': '' }), /Input 'known-hosts': is required/],
    [
      'known hosts without this host',
      async () => ({ 'known-hosts': info.knownHosts.replace(`]:${info.sshPort} `, ']:2999 ') }),
      new RegExp(
        `Input 'known-hosts': has no key for \\[127\\.0\\.0\\.1\\]:${sshPort}; add the line that \`ssh-keyscan -p ${sshPort} 127\\.0\\.0\\.1\` prints`,
      ),
      // Found when connecting: the host has its row, saying what failed there.
      () => [rowOf(info.hostSpec, 'failed')],
    ],
    [
      'an unknown compose file',
      async () => ({ 'compose-file': 'deploy/prod.yml' }),
      /Input 'compose-file': 'deploy\/prod.yml' does not exist in the workspace/,
    ],
    [
      'an app name with a shell character',
      async () => ({ app: 'shop;rm -rf ~' }),
      /Input 'app': 'shop;rm -rf ~' is not a valid app name/,
    ],
    [
      'a remote dir with a shell character',
      async () => ({ 'remote-dir': '~/apps/$(id)' }),
      /Input 'remote-dir': .* has a shell character/,
    ],
    [
      'an image reference with upper case',
      async () => ({ image: 'GHCR.io/Acme/Shop:v1' }),
      /Input 'image': 'GHCR.io\/Acme\/Shop:v1' is not an image reference/,
    ],
    ['a secrets line without =', async () => ({ secrets: 'DB_PASSWORD' }), /Input 'secrets': line 1 is not KEY=VALUE/],
    [
      'a key in env and secrets',
      async () => ({ env: 'TOKEN=a', secrets: 'TOKEN=b' }),
      /Input 'secrets': TOKEN is also set in env/,
    ],
    [
      'a health URL that is no URL',
      async () => ({ 'health-url': 'localhost:8080/health' }),
      /Input 'health-url': .*must be http:\/\/ or https:\/\/|is not a URL/,
    ],
    [
      'a non-numeric timeout',
      async () => ({ 'health-timeout': 'soon' }),
      /Input 'health-timeout': 'soon' is not a duration/,
    ],
    [
      'a registry password without a user',
      async () => ({ 'registry-password': 'p' }),
      /Input 'registry-username': is required when registry-password is set/,
    ],
    [
      'an unreachable host among good ones',
      async () => {
        const port = await freePort();
        const known = `${info.knownHosts.trim()}\n${info.knownHosts.trim().replace(`]:${info.sshPort} `, `]:${port} `)}`;
        return { hosts: `${info.hostSpec}\nnjord@127.0.0.1:${port}`, 'known-hosts': known };
      },
      /Input 'hosts': cannot reach njord@127.0.0.1:\d+: ECONNREFUSED/,
      // Both were contacted: the one that answered was fine, and nothing changed there either.
      (given) => [rowOf(info.hostSpec, 'unchanged'), rowOf(given.hosts!.split('\n')[1]!, 'failed')],
    ],
  ];

  for (const [what, inputs, message, rows = notContacted] of cases) {
    it(`refuses ${what}, naming the input, changing nothing`, async () => {
      const given = await inputs();
      const run = await deploy(info, app, image.refByDigest, given, { skipPost: true });
      expect(run.exitCode).toBe(1);
      const error = run.annotations.find((a) => a.kind === 'error');
      expect(error?.message, visibleLog(run)).toMatch(message);
      expect(run.annotations.filter((a) => a.kind === 'error')).toHaveLength(1);
      nothingOnHost();
      // The outputs and the job summary say it failed, and why, as well as the step does.
      expect(run.outputs.status).toBe('failed');
      expect(run.outputs.release).toBe('');
      expect(run.summary).toMatch(/^## ❌ Deploy .*: failed/m);
      // The error as the log has it (the summary puts hosts in code spans).
      expect(run.summary.replaceAll('`', '')).toContain(error!.message.split('\n')[0]!.replaceAll('`', ''));
      const expected = rows(given);
      for (const row of expected) expect(run.summary).toContain(row);
      expect(run.summary.match(/^\| (?!Host |---)/gm) ?? []).toHaveLength(expected.length);
    });
  }
});
