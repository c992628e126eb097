// An ed25519 private key (no passphrase) for unit tests that read deploy inputs: the inputs check
// that ssh-key is a real key, and no server ever sees it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function throwawayKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'njord-key-'));
  try {
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    return readFileSync(join(dir, 'k'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
