// What a backup or restore left in an app's data, looked at as a user would check it: the volume
// through a throwaway container of the app's image, directories by fingerprint, the backups kept on
// the host, the app's containers. The app and its volumes are on the app's server: every look at
// them runs there (onServer).
import { onServer, sh } from '../sandbox/Sandbox.js';
import { onHost } from './hostState.js';
import type { TestApp } from './deployKit.js';

/** Runs `cmd` as the SSH user on the app's server; returns stdout, trimmed. */
function onAppServer(app: TestApp, cmd: string): string {
  return onServer(app.server, cmd).trim();
}

/** Runs a shell script in a throwaway container of `image`, on the app's server, with the app's volume at /data. */
export function inVolume(app: TestApp, image: string, script: string): string {
  return onAppServer(app, `docker run --rm -v ${app.name}_data:/data --entrypoint /bin/sh ${image} -c '${script}'`);
}

/** sh listing every entry under `dir`: type, mode, owner, size, link target and content hash, sorted. */
function fingerprintScript(dir: string, skip: string): string {
  return `cd ${dir} && find . ! -name ${skip} | sort | while IFS= read -r f; do stat -c "%n %F %a %u:%g %s" "$f"; if [ -L "$f" ]; then readlink "$f"; elif [ -f "$f" ]; then sha256sum < "$f"; fi; done`;
}

/** Every entry of the volume: type, mode, owner, size, link target and content hash, sorted. */
export function volumeFingerprint(app: TestApp, image: string, skip = 'boots'): string {
  return inVolume(app, image, fingerprintScript('/data', skip));
}

/** The same fingerprint of a directory on the runner, taken with the same image's tools (in the runner's engine). */
export function extractedFingerprint(dir: string, image: string, skip = 'boots'): string {
  return sh(
    `docker run --rm -v ${dir}:/data:ro --entrypoint /bin/sh ${image} -c '${fingerprintScript('/data', skip)}'`,
  ).trim();
}

/** The same fingerprint of a directory on a server (the first by default), read as the SSH user. */
export function dirFingerprint(dir: string, server?: string): string {
  const script = fingerprintScript(dir, '.njord-none');
  return server ? onServer(server, script).trim() : onHost(script);
}

export function backupsOnHost(app: TestApp): { id: string; complete: boolean }[] {
  return onAppServer(
    app,
    `cd ${app.root}/backups 2>/dev/null && for d in */; do [ -d "$d" ] || continue; d=\${d%/}; [ -e "$d/manifest.json" ] && echo "$d 1" || echo "$d 0"; done || true`,
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ id: l.split(' ')[0]!, complete: l.endsWith(' 1') }));
}

export function webRunning(app: TestApp): boolean {
  return onAppServer(app, `${serviceContainerIds(app, 'web')} --filter status=running`) !== '';
}

/** The host command that prints the ids of `service`'s containers in the app's compose project. */
export function serviceContainerIds(app: TestApp, service: string): string {
  return `docker ps -q --filter label=com.docker.compose.project=${app.name} --filter label=com.docker.compose.service=${service}`;
}
