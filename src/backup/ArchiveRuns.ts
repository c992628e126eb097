// The two long-running scripts of a backup, run guarded through the session: writing an archive
// (its stdout stored on the runner when it goes there) and verify: restore's scratch-volume check.
import { join } from 'node:path';
import type { HostSession } from '../ssh/HostSession.js';
import type { StreamResult } from '../ssh/SshConnection.js';
import { guarded } from '../remote/backup/RemoteScript.js';
import { parseCompared, type VerifyCommands } from '../remote/backup/VerifyCommands.js';
import type { Compressor } from './Compression.js';
import { lastLines } from './Formatting.js';
import { runnerArchive, type HashingCounter } from './RunnerFiles.js';
import { encryptingStream, type runnerEncrypter } from './RunnerEncryption.js';

/** Streamed to the runner: into `dir`/`file`, encrypted there first by `encrypter` when set. */
export interface RunnerCopy {
  dir: string;
  file: string;
  encrypter?: Awaited<ReturnType<typeof runnerEncrypter>>;
}

/** Runs an archive script; `stored` counts and hashes the runner's copy when there is one. */
export async function runArchiveScript(
  session: HostSession,
  script: string,
  runner?: RunnerCopy,
): Promise<{ res: StreamResult; stored?: HashingCounter }> {
  if (!runner) return { res: await session.ssh.stream(guarded(script), { holdStdin: true }) };
  const encrypt = runner.encrypter ? await encryptingStream(runner.encrypter) : undefined;
  const to = runnerArchive(join(runner.dir, runner.file), encrypt);
  try {
    const [res] = await Promise.all([
      session.ssh.stream(guarded(script), { holdStdin: true, stdout: to.sink }),
      to.written,
    ]);
    return { res, stored: to.stored };
  } catch (err) {
    to.sink.destroy();
    throw err;
  }
}

/** verify: restore of one volume archive: what matched, or an error saying what did not. */
export async function compareInScratchVolume(
  session: HostSession,
  cmd: VerifyCommands,
  o: { id: string; file: string; image: string; compressor: Compressor; scratch: string },
): Promise<{ files: number; entries: number }> {
  const host = session.spec.label;
  const res = await session.ssh.stream(guarded(cmd.byRestore(o)), { holdStdin: true });
  if (res.code !== 0)
    throw new Error(
      `${host}: ${o.file} restored into a scratch volume does not match the archive: ${lastLines(res.stderr, 6)}`,
    );
  const compared = parseCompared(res.stderr);
  if (!compared) throw new Error(`${host}: verifying ${o.file} in a scratch volume reported no comparison`);
  return compared;
}
