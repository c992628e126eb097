// The one place remote command lines are quoted and joined. Builders elsewhere return argv arrays
// and join them with the helpers here, as Kamal's commands do with combine, chain and pipe; the
// transport sends the resulting string to the host's shell.

export type Argv = readonly string[];

/** A command already quoted (a string), or argv to quote here. */
export type Command = Argv | string;

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
export function all(...cmds: Command[]): string {
  return cmds.map(asLine).join(' && ');
}

/** Commands run one after another, whatever each exits with. */
export function chain(...cmds: Command[]): string {
  return cmds.map(asLine).join('; ');
}

/** Each command's stdout into the next one's stdin. */
export function pipe(...cmds: Command[]): string {
  return cmds.map(asLine).join(' | ');
}

/** The first command that succeeds; later ones run only when every earlier one failed. */
export function any(...cmds: Command[]): string {
  return cmds.map(asLine).join(' || ');
}

/** A script: one command a line, the parts left out (undefined, false or empty) skipped. */
export function script(...lines: (Command | undefined | false)[]): string {
  return lines
    .filter((l): l is Command => l !== undefined && l !== false && l !== '')
    .map(asLine)
    .join('\n');
}

/** The command with its output and errors thrown away. */
export function quiet(cmd: Command): string {
  return `${asLine(cmd)} >/dev/null 2>&1`;
}

/** The command's stdout, substituted where the shell expands it. */
export function substitute(cmd: Command): string {
  return `$(${asLine(cmd)})`;
}

/** Commands grouped in the current shell, e.g. to redirect or pipe them as one. */
export function group(...cmds: Command[]): string {
  return `{ ${chain(...cmds)}; }`;
}

/** `if cond; then …; fi`, or with an else branch. */
export function ifThen(cond: Command, then: Command, otherwise?: Command): string {
  const orElse = otherwise === undefined ? '' : ` else ${asLine(otherwise)};`;
  return `if ${asLine(cond)}; then ${asLine(then)};${orElse} fi`;
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

function asLine(c: Command): string {
  return typeof c === 'string' ? c : line(c);
}
