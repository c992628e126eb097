// How backups read to people and in file names: sizes, and host labels made safe for names.

export function totalSize(archives: { size: number }[]): number {
  return archives.reduce((n, a) => n + a.size, 0);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** A host label as part of a file or artifact name. */
export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The last `n` lines of a command's output, joined on one line: what an error message quotes. */
export function lastLines(text: string, n: number, separator = '; '): string {
  return text.trim().split('\n').slice(-n).join(separator);
}
