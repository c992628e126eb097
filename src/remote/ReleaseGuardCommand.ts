// The host's side of a release switch: it starts the new release, then stays with it until the
// runner decides, and puts the previous release back itself when the runner is lost before it
// decided (a killed runner, a cut connection). See src/deploy/ReleaseGuard.ts.

import { SILENCE_S } from './backup/ServiceGuardCommand.js';

/** The runner's words on the guard's stdin, one a line; `alive` is the heartbeat. */
export type GuardWord = 'keep' | 'undo' | 'leave';

export interface GuardedSwitch {
  /** Starts the new release (compose up). */
  up: string;
  /** On `keep`: make it current. */
  keep: string;
  /** On `undo`, or when the runner is lost: bring the previous release back (none on a first release). */
  undo?: string;
}

/** Runs `cmd` with its output kept, then prints `<word> <exit code> <its last output line>`. */
const reported = (word: string, cmd: string) =>
  `out=$({ ${cmd}; } </dev/null 2>&1); rc=$?; echo "${word} $rc $(printf %s "$out" | tail -n 1)"`;

/**
 * Runs `up` and reports it; then reads stdin a line at a time (sh's `read` takes no more than its
 * line, so a word right after a heartbeat is never lost) until a word comes, stdin ends, or it stays
 * silent `silenceS` seconds (where the host has timeout(1)). `keep` runs `keep`, `leave` nothing;
 * `undo`, an end or a silence run `undo`. Each is reported as `up` is. Hangups and closed pipes
 * are ignored: the undo must outlive the connection, and its output never goes to a dead pipe.
 */
export function guardedSwitchCommand(s: GuardedSwitch, silenceS = SILENCE_S): string {
  const word = `sh -c 'IFS= read -r w && printf %s "$w"'`;
  const undo = s.undo ? reported('undone', s.undo) : 'echo left';
  return [
    "trap '' HUP PIPE",
    reported('up', s.up),
    `if command -v timeout >/dev/null 2>&1; then t="timeout ${silenceS}"; else t=; fi`,
    `while w=$($t ${word}) && [ "$w" = alive ]; do :; done`,
    `case "$w" in keep) ${reported('kept', s.keep)};; leave) echo left;; *) ${undo};; esac`,
  ].join('; ');
}
