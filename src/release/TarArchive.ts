// A ustar archive of a release's files, made in memory: the host's own tar unpacks it from the
// stdin of one command, so every file of the release travels on one channel of the one connection.

export interface TarEntry {
  /** Relative posix path; directories end without a slash. */
  path: string;
  /** Absent for a directory. */
  content?: Buffer;
  mode: number;
}

const BLOCK = 512;

export function tarArchive(entries: TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const size = e.content?.length ?? 0;
    parts.push(header(e, size, mtime));
    if (e.content && size) {
      parts.push(e.content);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function header(e: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const dir = e.content === undefined;
  const [prefix, name] = splitName(dir ? `${e.path}/` : e.path);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode & 0o7777);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, mtime);
  h.fill(' ', 148, 156);
  h.write(dir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0' + '00', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

function octal(h: Buffer, at: number, width: number, n: number): void {
  h.write(n.toString(8).padStart(width - 1, '0') + '\0', at, width, 'ascii');
}

/** ustar keeps 100 bytes of name and 155 of prefix, split at a slash. */
function splitName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.lastIndexOf('/', path.length - 2); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`the path ${path} is too long to send (ustar keeps 255 bytes)`);
}
