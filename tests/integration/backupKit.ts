// Shared by the backup and restore integration tests: the two actions through dist, and looks
// into a volume through a throwaway container of the app's image, as a user would check.
import type { ChildProcess } from 'node:child_process';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import type { SandboxInfo } from '../sandbox/Sandbox.js';
import { connectionInputs, onHost, type TestApp } from '../support/deployKit.js';

export function backupAction(
  info: SandboxInfo,
  app: TestApp,
  inputs: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('actions/backup', { ...connectionInputs(info), app: app.name, ...inputs }, opts);
}

export function restoreAction(
  info: SandboxInfo,
  app: TestApp,
  inputs: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('actions/restore', { ...connectionInputs(info), app: app.name, ...inputs }, opts);
}

/** Runs a shell script in a throwaway container of `image` with the app's volume at /data. */
export function inVolume(app: TestApp, image: string, script: string): string {
  return onHost(`docker run --rm -v ${app.name}_data:/data --entrypoint /bin/sh ${image} -c '${script}'`);
}

/** Every entry of the volume: type, mode, owner, size, link target and content hash, sorted. */
export function volumeFingerprint(app: TestApp, image: string, skip = 'boots'): string {
  return inVolume(
    app,
    image,
    `cd /data && find . ! -name ${skip} | sort | while IFS= read -r f; do stat -c "%n %F %a %u:%g %s" "$f"; if [ -L "$f" ]; then readlink "$f"; elif [ -f "$f" ]; then sha256sum < "$f"; fi; done`,
  );
}

export function backupsOnHost(app: TestApp): { id: string; complete: boolean }[] {
  return onHost(
    `cd ${app.root}/backups 2>/dev/null && for d in */; do [ -d "$d" ] || continue; d=\${d%/}; [ -e "$d/manifest.json" ] && echo "$d 1" || echo "$d 0"; done || true`,
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ id: l.split(' ')[0]!, complete: l.endsWith(' 1') }));
}

export function webRunning(app: TestApp): boolean {
  return (
    onHost(
      `docker ps -q --filter label=com.docker.compose.project=${app.name} --filter label=com.docker.compose.service=web --filter status=running`,
    ) !== ''
  );
}

/** An onSpawn hook: SIGKILLs the main step's process group `delayMs` after its stdout shows `text`. */
export function killWhen(text: string, delayMs: number): (child: ChildProcess, step: 'main' | 'post') => void {
  return (child, step) => {
    if (step !== 'main') return;
    let seen = '';
    let armed = false;
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (armed || !seen.includes(text)) return;
      armed = true;
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, delayMs);
    });
  };
}
