// The runner's side of a streamed archive: bytes from the SSH channel are hashed as they pass and
// written to a file, so memory holds one chunk at a time whatever the archive's size; then the
// file is re-read for its checksum and listed end to end with the runner's own tools.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type Duplex, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Compressor } from './Compression.js';

/** Passes bytes through, counting and hashing them. */
export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Where the SSH channel's bytes go on the runner: through `encrypt` first when the runner
 * encrypts (only its output reaches the disk), then counted and hashed as stored, into `path`.
 */
export function runnerArchive(
  path: string,
  encrypt?: Duplex,
): { sink: Writable; stored: HashingCounter; written: Promise<void> } {
  const stored = new HashingCounter();
  const file = createWriteStream(path, { mode: 0o600 });
  const written = encrypt ? pipeline(encrypt, stored, file) : pipeline(stored, file);
  return { sink: encrypt ?? stored, stored, written };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function exitOf(child: ReturnType<typeof spawn>, what: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${what}: ${e.message}`)));
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}): ${stderr().trim().slice(-300)}`)),
    );
  });
}

/**
 * Decompresses the whole file (checking its frame checksums) with the runner's tools. A tar
 * archive is listed (`tar -tv`: entries counted, files' sizes summed); a dump's bytes are counted.
 */
export async function listOnRunner(
  path: string,
  compressor: Compressor,
  isTar: boolean,
): Promise<{ entries: number; bytes: number }> {
  const [bin, ...args] = compressor.decompress;
  const dec = spawn(bin!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let decErr = '';
  dec.stderr!.on('data', (d: Buffer) => (decErr += d.toString()));
  createReadStream(path).pipe(dec.stdin!);
  const done = [exitOf(dec, `${bin} on the runner`, () => decErr)];
  let entries = 0;
  let bytes = 0;
  if (isTar) {
    const tar = spawn('tar', ['-tvf', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let tarErr = '';
    let partial = '';
    tar.stderr!.on('data', (d: Buffer) => (tarErr += d.toString()));
    tar.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        entries++;
        bytes += Number(l.trim().split(/\s+/)[2]) || 0;
      }
    });
    dec.stdout!.pipe(tar.stdin!);
    tar.stdin!.on('error', () => undefined);
    // tar may stop at the end-of-archive blocks: drain what follows so the decompressor ends cleanly.
    tar.once('close', () => dec.stdout!.resume());
    done.push(exitOf(tar, 'tar (listing) on the runner', () => tarErr));
  } else {
    dec.stdout!.on('data', (d: Buffer) => (bytes += d.length));
  }
  await Promise.all(done);
  return { entries, bytes };
}
