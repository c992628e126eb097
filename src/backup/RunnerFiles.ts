// The runner's side of a streamed archive: bytes from the SSH channel are hashed as they pass and
// written to a file, so memory holds one chunk at a time whatever the archive's size; then the
// file is re-read for its checksum and listed end to end with the runner's own tools.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Duplex, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GarbageByBytes } from '../runtime/youngGarbage.js';
import type { Compressor } from './Compression.js';

/** Passes bytes through, counting and hashing them, with the garbage they leave kept small. */
export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  private readonly garbage = new GarbageByBytes();
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.garbage.passed(chunk.length);
    done(null, chunk);
  }

  private hex?: string;

  /** The sha256 of every byte passed, in hex; the same on every call once the stream has ended. */
  digest(): string {
    return (this.hex ??= this.hash.digest('hex'));
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

/**
 * The file's sha256, read through one reused buffer: a fresh buffer a chunk is garbage that V8
 * frees only once tens of megabytes of it have piled up, which is what the runner's peak would be.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = (await file.read(buf, 0, buf.length, null)).bytesRead) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    await file.close();
  }
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
 * The bytes go file → decompressor → tar (or wc) through the OS, never through this process.
 */
export async function listOnRunner(
  path: string,
  compressor: Compressor,
  isTar: boolean,
): Promise<{ entries: number; bytes: number }> {
  const [bin, ...args] = compressor.decompress;
  const input = openSync(path, 'r');
  let dec;
  try {
    dec = spawn(bin!, args, { stdio: [input, 'pipe', 'pipe'] });
  } finally {
    closeSync(input);
  }
  let decErr = '';
  dec.stderr!.on('data', (d: Buffer) => (decErr += d.toString()));
  const done = [exitOf(dec, `${bin} on the runner`, () => decErr)];
  const count = spawn(isTar ? 'tar' : 'wc', isTar ? ['-tvf', '-'] : ['-c'], { stdio: [dec.stdout!, 'pipe', 'pipe'] });
  let countErr = '';
  let entries = 0;
  let bytes = 0;
  let partial = '';
  count.stderr!.on('data', (d: Buffer) => (countErr += d.toString()));
  // Line by line: a listing of many files is never held whole. Field 3 of `tar -tv` is the size,
  // in GNU's and busybox's listings alike; wc prints one number.
  count.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (!isTar) bytes = Number(l.trim()) || 0;
      else if (l.trim()) {
        entries++;
        bytes += Number(l.trim().split(/\s+/)[2]) || 0;
      }
    }
  });
  // tar may stop at the end-of-archive blocks: drain what follows so the decompressor ends cleanly.
  count.once('close', () => dec.stdout!.resume());
  done.push(exitOf(count, isTar ? 'tar (listing) on the runner' : 'wc on the runner', () => countErr));
  await Promise.all(done);
  return { entries, bytes };
}
