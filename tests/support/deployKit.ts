// Shared by the integration tests of host-touching actions: a fresh app per test, inputs for the
// sandbox host, deploys through the bundled root action, and looks at the host as a user would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import {
  freePort,
  onServer,
  sandboxFiles,
  serverSshdLog,
  sh,
  writeComposeApp,
  type SandboxInfo,
} from '../sandbox/Sandbox.js';

export interface TestApp {
  name: string;
  port: number;
  workspace: string;
  root: string;
  /** user@host:port the app deploys to (the v1 user unless made for Compose v2). */
  hostSpec?: string;
  /** The server (container name) the app lives on, where a test looks at it. */
  server: string;
}

export interface NewAppOptions {
  withHealthcheck?: boolean;
  /** The app deploys as the sandbox's Compose v2 user. */
  composeV2?: boolean;
}

let counter = 0;

export async function newApp(info: SandboxInfo, prefix: string, opts: NewAppOptions = {}): Promise<TestApp> {
  const name = `${prefix}-${process.pid}-${++counter}`;
  const port = await portFreeOnServer(info.server);
  const workspace = mkdtempSync(join(tmpdir(), `njord-ws-${prefix}-`));
  writeComposeApp(workspace, { port, withHealthcheck: opts.withHealthcheck });
  if (opts.composeV2) {
    if (!info.composeV2) throw new Error(`the sandbox has no Compose v2 user: ${info.composeV2Missing}`);
    return {
      name,
      port,
      workspace,
      root: `${info.composeV2.homeDir}/njord/${name}`,
      hostSpec: info.composeV2.hostSpec,
      server: info.server,
    };
  }
  return { name, port, workspace, root: `${info.homeDir}/njord/${name}`, server: info.server };
}

/**
 * A port free on this runner (the decoy tests listen there) and on the server, where the app binds
 * it: the runner's kernel knows nothing of what listens on the server's loopback.
 */
export async function portFreeOnServer(server: string): Promise<number> {
  for (let i = 0; ; i++) {
    const port = await freePort();
    const taken = onServer(server, `ss -ltnH 'sport = :${port}' | wc -l`).trim() !== '0';
    if (!taken || i >= 20) return port;
  }
}

export function connectionInputs(info: SandboxInfo): Record<string, string> {
  return { hosts: info.hostSpec, 'ssh-key': info.privateKey, 'known-hosts': info.knownHosts };
}

/** Fast gate settings for tests: the app answers within a second of starting. */
export const fastGate = { 'health-interval': '0.3', 'health-successes': '2', 'health-timeout': '8' };

/** The connection, the app and its health gate: what deploy and rollback are both given. */
export function gatedAppInputs(info: SandboxInfo, app: TestApp): Record<string, string> {
  return { ...connectionInputs(info), app: app.name, 'health-url': `http://127.0.0.1:${app.port}/health`, ...fastGate };
}

export function deployInputs(
  info: SandboxInfo,
  app: TestApp,
  image: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...gatedAppInputs(info, app), ...(app.hostSpec ? { hosts: app.hostSpec } : {}), image, ...extra };
}

export function deploy(
  info: SandboxInfo,
  app: TestApp,
  image: string,
  extra: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('.', deployInputs(info, app, image, extra), { workspace: app.workspace, ...opts });
}

/** What the app serves now, fetched on the server (its port is on the server's loopback, not the runner's). */
export async function served(app: TestApp, path = '/health'): Promise<string> {
  const out = onServer(
    app.server,
    `curl -s -o /tmp/served.$$ -w '%{http_code}' --max-time 5 http://127.0.0.1:${app.port}${path}; cat /tmp/served.$$ 2>/dev/null; rm -f /tmp/served.$$`,
  );
  const status = out.slice(0, 3);
  if (status === '000') return 'down';
  return status.startsWith('2') ? out.slice(3).trim() : `HTTP ${status}`;
}

/** Removes the app's containers, volumes and release root from the host. */
export function removeApp(app: TestApp): void {
  const label = `label=com.docker.compose.project=${app.name}`;
  onServer(
    app.server,
    [
      `docker ps -aq --filter ${label} | xargs -r docker rm -f >/dev/null 2>&1`,
      `docker volume ls -q --filter ${label} | xargs -r docker volume rm >/dev/null 2>&1`,
      `docker network ls -q --filter ${label} | xargs -r docker network rm >/dev/null 2>&1`,
      `rm -rf ${app.root}`,
      'true',
    ].join('; '),
    { user: 'root' },
  );
}

/**
 * An njord.yml for the CLI in the app's workspace: the first server, the sandbox's key and
 * known_hosts files, the app, then `extra` lines. Returns its path.
 */
export function writeCliConfig(info: SandboxInfo, app: TestApp, extra: string[] = []): string {
  const config = join(app.workspace, 'njord.yml');
  const lines = [
    `hosts: ${info.hostSpec}`,
    `ssh-key-file: ${sandboxFiles.clientKey}`,
    `known-hosts-file: ${sandboxFiles.knownHosts}`,
    `app: ${app.name}`,
    ...extra,
    '',
  ];
  writeFileSync(config, lines.join('\n'));
  return config;
}

/** Output a user would read in the log: stdout and stderr less the runner's own mask commands. */
export function visibleLog(run: ActionRun): string {
  const strip = (s: string) =>
    s
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
  return `${strip(run.stdout)}\n${strip(run.stderr)}\n${strip(run.post?.stdout ?? '')}\n${strip(run.post?.stderr ?? '')}`;
}

/**
 * A second key authorised for the sandbox user (and the other home directories given), so a test can
 * count its own logins in the sshd log ("Accepted publickey for <user> … SHA256:<fingerprint>")
 * whatever else is using the sandbox. `keyOptions` go before the key in authorized_keys.
 */
export function extraKey(
  info: SandboxInfo,
  opts: { homeDirs?: string[]; keyOptions?: string; server?: string } = {},
): { privateKey: string; logins: (user?: string) => number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'njord-key-'));
  sh(`ssh-keygen -q -t ed25519 -N '' -C njord-test-extra -f ${dir}/id`);
  const pub = readFileSync(`${dir}/id.pub`, 'utf8').trim();
  const fp = sh(`ssh-keygen -lf ${dir}/id.pub`).split(/\s+/)[1]!;
  const keyFiles = (opts.homeDirs ?? [info.homeDir]).map((home) => `${home}/.ssh/authorized_keys`);
  const entry = opts.keyOptions ? `${opts.keyOptions} ${pub}` : pub;
  const server = opts.server ?? info.server;
  for (const keys of keyFiles) onServer(server, `echo '${entry}' >> ${keys}`, { user: 'root' });
  return {
    privateKey: readFileSync(`${dir}/id`, 'utf8'),
    logins: (user) =>
      serverSshdLog(server)
        .split('\n')
        .filter(
          (l) =>
            l.startsWith(user ? `Accepted publickey for ${user} ` : 'Accepted publickey') && l.trimEnd().endsWith(fp),
        ).length,
    remove: () => {
      for (const keys of keyFiles)
        onServer(
          server,
          `grep -vF '${pub}' ${keys} > ${keys}.tmp || true; cat ${keys}.tmp > ${keys}; rm -f ${keys}.tmp`,
          {
            user: 'root',
          },
        );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
