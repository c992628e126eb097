// Shared by the backup and restore integration tests: the two actions through dist, and looks
// into a volume through a throwaway container of the app's image, as a user would check. The app,
// its volumes and its backups are on the app's server: every look at them runs there (onServer).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type RunActionOptions } from '../harness/runAction.js';
import { onServer, readSandboxInfo, sandboxFiles, sh, staticBusybox, type SandboxInfo } from '../sandbox/Sandbox.js';
import { connectionInputs, extraKey, type TestApp } from './deployKit.js';

/** An action that works on one app (backup, restore), through its bundle, with the sandbox connection. */
function appAction(action: string) {
  return (info: SandboxInfo, app: TestApp, inputs: Record<string, string> = {}, opts: RunActionOptions = {}) =>
    runAction(action, { ...connectionInputs(info), app: app.name, ...inputs }, opts);
}

export const backupAction = appAction('actions/backup');
export const restoreAction = appAction('actions/restore');

/** Polls until `ready` is true (an error counts as not yet); after `timeoutMs`, fails naming `what` and the last error. */
export async function waitUntil(what: string, timeoutMs: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (ready()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} not ready after ${timeoutMs / 1000} s${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * zstd and age on the runner (the tests' own age-keygen, age -d and zstd -dc), installed when
 * missing as the sandbox does. The servers have both from their image.
 */
export function ensureHostTools(): void {
  sh(
    'command -v zstd >/dev/null && command -v age >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q zstd age >/dev/null',
    { timeoutMs: 10 * 60_000 },
  );
}

/** The sandbox this run uses (what globalSetup wrote), for helpers whose callers pass none. */
function sandbox(): SandboxInfo {
  const info = readSandboxInfo();
  if (!info) throw new Error('backupKit: no sandbox info (is the sandbox started?)');
  return info;
}

/**
 * A key for the sandbox user whose sessions run with a PATH holding every tool of the server's
 * /usr/local/bin and /usr/bin but age: through it the server is one without age, though it has age
 * installed (the other tests use it). `run` runs a command over that key with the ssh CLI.
 */
export function keyWithoutAge(info: SandboxInfo, opts: { server?: string } = {}): ReturnType<typeof keyWithoutTools> {
  return keyWithoutTools(info, /^age($|-)/, opts);
}

/**
 * A key whose sessions run with a PATH that has the server's commands but those `hidden` matches.
 * The restricted bin dir and the forced-command shell live on the server (sshd runs them there).
 */
export function keyWithoutTools(
  info: SandboxInfo,
  hidden: RegExp,
  opts: { server?: string } = {},
): {
  privateKey: string;
  run: (cmd: string) => string;
  remove: () => void;
} {
  const server = opts.server ?? info.server;
  const port = info.servers.find((s) => s.name === server)?.sshPort ?? info.sshPort;
  const root = { user: 'root' };
  // Root-owned and world-readable: the SSH user runs the shell but cannot change what it hides.
  const dir = onServer(server, 'd=$(mktemp -d /tmp/njord-noage-XXXXXX) && chmod 755 $d && echo $d', root).trim();
  const links: string[] = [];
  const linked = new Set<string>();
  for (const from of ['/usr/local/bin', '/usr/bin'])
    for (const f of onServer(server, `ls -1A ${from}`, root).split('\n').filter(Boolean))
      if (!hidden.test(f) && !linked.has(f)) {
        linked.add(f);
        links.push(`ln -s '${from}/${f}' '${dir}/bin/${f}'`);
      }
  // sshd runs the key's forced command for every session; the client's command is in SSH_ORIGINAL_COMMAND.
  const shell = `${dir}/shell`;
  onServer(server, 'bash -e', {
    ...root,
    input: [
      `mkdir ${dir}/bin`,
      ...links,
      `cat > ${shell} <<'EOF'`,
      '#!/bin/sh',
      `PATH=${dir}/bin`,
      'export PATH',
      'exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"',
      'EOF',
      `chmod 755 ${shell}`,
      '',
    ].join('\n'),
  });
  const key = extraKey(info, { keyOptions: `command="${shell}"`, server });
  // The private key stays on the runner, where the ssh CLI (and the actions) use it.
  const local = mkdtempSync(join(tmpdir(), 'njord-noage-'));
  const keyFile = join(local, 'id');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  return {
    privateKey: key.privateKey,
    run: (cmd) =>
      sh(
        `ssh -i ${keyFile} -p ${port} -o UserKnownHostsFile=${sandboxFiles.knownHosts} -o BatchMode=yes ${info.sshUser}@${info.sshHost} '${cmd.replace(/'/g, `'\\''`)}'`,
      ).trim(),
    remove: () => {
      key.remove();
      onServer(server, `rm -rf ${dir}`, root);
      rmSync(local, { recursive: true, force: true });
    },
  };
}

/** Refs this process has pushed and had every server pull. */
const onServers = new Set<string>();

/**
 * Makes an image built in the runner's engine (`build` makes it there as `ref` when missing) one the
 * servers have: pushed to the sandbox registry, and pulled on every server, so a test can name it by
 * ref or by its id on a server.
 */
function pushedToServers(info: SandboxInfo, ref: string, build: string): string {
  if (onServers.has(ref)) return ref;
  sh(`docker image inspect ${ref} >/dev/null 2>&1 || { ${build}; }`);
  sh(`docker push ${ref} >/dev/null`);
  for (const s of info.servers) onServer(s.name, `docker pull -q ${ref} >/dev/null`);
  onServers.add(ref);
  return ref;
}

/** An image with tar (busybox, by the name it is called) and no shell: volumes are read by tar alone. */
export function tarOnlyImage(info: SandboxInfo = sandbox()): string {
  const ref = `${info.registry}/njord-test/tar-only:1`;
  const busybox = staticBusybox();
  if (!busybox) throw new Error('no static busybox for the tar-only image (apt-get install busybox-static)');
  return pushedToServers(
    info,
    ref,
    `d=$(mktemp -d) && mkdir $d/bin && cp ${busybox} $d/bin/tar && tar -C $d -cf - . | docker import - ${ref} >/dev/null; r=$?; rm -rf $d; exit $r`,
  );
}

/** An image with no files at all (no tar, no shell): volumes are then read with docker cp. */
export function emptyImage(info: SandboxInfo = sandbox()): string {
  const ref = `${info.registry}/njord-test/empty:1`;
  return pushedToServers(info, ref, `tar -cf - -T /dev/null | docker import - ${ref} >/dev/null`);
}
