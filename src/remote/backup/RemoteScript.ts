// Shapes of the shell scripts backup and restore run on a host. POSIX sh has no pipefail, so each
// stage of a pipeline records its own failure in a status file; and sshd sends no SIGHUP to a
// command without a terminal, so a watchdog ends the script when the runner's connection dies.
import { quote, shC } from '../Shell.js';

export interface Stage {
  /** Said in the error when this stage fails, e.g. 'docker cp', 'gzip'. */
  name: string;
  /** One shell command (already quoted). */
  cmd: string;
}

/**
 * `a | b | c` where every stage that exits non-zero appends a line to `statusFile`; a stage that
 * dies because a later one failed (SIGPIPE) is recorded too, so the file's first line says why.
 */
export function pipeline(stages: Stage[], statusFile: string): string {
  const st = quote(statusFile);
  return stages.map((s) => `{ ${s.cmd} || echo "${s.name} failed (exit $?)" >> ${st}; }`).join(' | ');
}

/** After a pipeline: fail with the recorded reasons, else go on. */
export function failOnStatus(statusFile: string, cleanup = ''): string {
  const st = quote(statusFile);
  return `if [ -s ${st} ]; then cat ${st} >&2; rm -f ${st}; ${cleanup ? cleanup + '; ' : ''}exit 1; fi; rm -f ${st}`;
}

export interface GuardOptions {
  /** The first line of stdin is read into $NJORD_SECRET before the watchdog takes stdin over. */
  secretLine?: boolean;
}

/**
 * Runs `script` so that it dies with the SSH connection: the runner holds stdin open (see
 * SshConnection.stream holdStdin); a background reader sees EOF when the connection closes and
 * kills the whole process group (the script, docker cp, the compressor…). The script's own
 * stdin is /dev/null.
 */
export function guarded(script: string, opts: GuardOptions = {}): string {
  const secret = opts.secretLine ? 'IFS= read -r NJORD_SECRET || exit 90; ' : '';
  return shC(
    `${secret}exec 3<&0; ( cat <&3 >/dev/null; kill -TERM 0 ) >/dev/null 2>&1 & w=$!; ` +
      `( ${script} ) </dev/null 3<&-; rc=$?; kill $w 2>/dev/null; exit $rc`,
  );
}
