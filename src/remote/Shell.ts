// The one place remote command lines are quoted. Builders elsewhere return argv arrays
// (or scripts joined from them here); the transport sends the resulting string to the host's shell.

export type Argv = readonly string[];

/** POSIX single-quote quoting; bare words that need none stay readable in plans and logs. */
export function quote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One command: argv quoted once. */
export function line(argv: Argv): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quote).join(' ');
}

/** Commands that must all succeed, in order. */
export function all(...cmds: (Argv | string)[]): string {
  return cmds.map(asLine).join(' && ');
}

/** Runs `cmd` with stdin from standard input of the channel, into `path` with 0600 from the start. */
export function stdinToFile(path: string, mode: '600' | '644' = '600'): string {
  const umask = mode === '600' ? '077' : '022';
  return `(umask ${umask} && cat > ${quote(path)}.tmp && chmod ${mode} ${quote(path)}.tmp && mv -f ${quote(path)}.tmp ${quote(path)})`;
}

/** Wraps a script for `sh -c`, so it runs the same whatever the user's login shell is. */
export function shC(script: string): string {
  return line(['sh', '-c', script]);
}

function asLine(c: Argv | string): string {
  return typeof c === 'string' ? c : line(c);
}
