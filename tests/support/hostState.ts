// The first server as the sandbox's SSH user sees it: what the release root holds for an app, and
// the files in its named volume.
import { asSandboxUser } from '../sandbox/Sandbox.js';
import type { TestApp } from './deployKit.js';

export function onHost(cmd: string): string {
  return asSandboxUser(cmd).trim();
}

export function releasesOnHost(app: TestApp): string[] {
  return onHost(`ls -1 ${app.root}/releases 2>/dev/null || true`).split('\n').filter(Boolean);
}

export function currentOnHost(app: TestApp): string {
  return onHost(`readlink ${app.root}/current 2>/dev/null || true`).replace(/^releases\//, '');
}

/** Named-volume contents, read through a throwaway container of the app's own image. */
export function volumeFile(app: TestApp, file: string): string {
  return onHost(
    `docker run --rm -v ${app.name}_data:/data --entrypoint /bin/cat $(docker ps -aq --filter label=com.docker.compose.project=${app.name} | head -1 | xargs docker inspect --format '{{.Image}}') /data/${file} 2>&1 || true`,
  );
}

export function writeVolumeFile(app: TestApp, file: string, content: string): void {
  onHost(
    `docker exec $(docker ps -q --filter label=com.docker.compose.project=${app.name} | head -1) /bin/sh -c 'printf %s "${content}" > /data/${file}'`,
  );
}
