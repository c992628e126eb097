#!/usr/bin/env node
// njord-deploy <deploy|rollback|health-gate|releases|unlock> [--input value …] [--config file.yml]
// The actions, from a terminal: the same inputs (flags, NJORD_* variables or a YAML file), the
// same core, the same report printed as text. Exit 0 done, 1 failed, 2 bad usage or input.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../inputs/InputError.js';
import { InputReader } from '../inputs/InputReader.js';
import { declaredInputs, packageRoot, type DeclaredInput } from './ActionInputs.js';
import {
  collectInputs,
  configDirOf,
  configValues,
  envName,
  expandPath,
  mapSource,
  parseArgs,
  UsageError,
} from './CliInputs.js';
import { commands, type CliCommand } from './commands.js';
import { LocksOnInterrupt } from './LocksOnInterrupt.js';
import { markdownToText } from './PlainText.js';
import { askYesNo } from './Confirm.js';
import { terminalLog } from './TerminalLog.js';

const readFile = (p: string) => readFileSync(p, 'utf8');

function inputsOf(root: string, c: CliCommand): DeclaredInput[] {
  const all = declaredInputs(root, c.actionDir);
  return c.only ? all.filter((d) => c.only!.includes(d.name)) : all;
}

function usage(): string {
  return [
    'njord-deploy <command> [--input value …] [--config file.yml] [--json] [--verbose] [--yes]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Options are the inputs of the matching action (njord-deploy <command> --help lists them):',
    '--name value, or NJORD_NAME, or `name: value` in the --config YAML file, in that order.',
    '--name-file PATH (NJORD_NAME_FILE, name-file:) reads the value from a file; secrets such as',
    'ssh-key come only from a file or the environment, never from a flag.',
  ].join('\n');
}

function commandHelp(c: CliCommand, inputs: DeclaredInput[]): string {
  const lines = [`njord-deploy ${c.name}: ${c.summary}`, ''];
  for (const d of inputs) {
    const flag = c.secrets.includes(d.name) ? `--${d.name}-file PATH` : `--${d.name}`;
    const notes = [
      d.required ? 'required' : '',
      d.default !== undefined ? `default: ${d.default}` : '',
      envName(d.name),
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${flag}  (${notes})`, `      ${d.description}`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { command, flags } = parseArgs(argv);
  const root = packageRoot();
  const cmd = commands.find((c) => c.name === command);
  if (!cmd) {
    if (command && !flags.has('help')) throw new UsageError(`unknown command '${command}'\n\n${usage()}`);
    process.stdout.write(usage() + '\n');
    return command || flags.has('help') ? 0 : 2;
  }
  const declared = inputsOf(root, cmd);
  if (flags.has('help')) {
    process.stdout.write(commandHelp(cmd, declared) + '\n');
    return 0;
  }
  const configPath = flags.get('config') ?? process.env.NJORD_CONFIG;
  let config = new Map<string, string>();
  if (configPath) {
    const known = new Set(commands.flatMap((c) => inputsOf(root, c).map((d) => d.name)));
    let doc: unknown;
    try {
      doc = parse(readFile(expandPath(configPath)));
    } catch (err) {
      throw new UsageError(`--config ${configPath}: ${(err as Error).message}`);
    }
    config = configValues(doc, known, configPath);
  }
  const values = collectInputs(declared, new Set(cmd.secrets), {
    flags,
    env: process.env,
    config,
    configDir: configPath ? configDirOf(configPath) : undefined,
    readFile,
  });
  // A terminal has a known_hosts of its own: use it when none is given (host keys are still checked).
  const ownKnownHosts = join(homedir(), '.ssh', 'known_hosts');
  if (values.get('hosts')?.trim() && !values.get('known-hosts')?.trim() && existsSync(ownKnownHosts))
    values.set('known-hosts', readFile(ownKnownHosts));

  const log = terminalLog(process.stderr, flags.has('verbose'));
  const locks = new LocksOnInterrupt(log);
  locks.listen(cmd.name);
  const result = await cmd.run({
    inputs: new InputReader(mapSource(values)),
    log,
    cwd: process.cwd(),
    onLocks: (cfg) => locks.hook(cfg),
    confirm: (q) => askYesNo(q, flags.has('yes'), log),
  });
  if (flags.has('json')) process.stdout.write(JSON.stringify({ ...result.outputs, failure: result.failure }) + '\n');
  else process.stdout.write('\n' + markdownToText(result.report.markdown()));
  if (result.failure) log.error(result.failure);
  return result.failure ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    const usageLike = err instanceof UsageError || err instanceof InputError;
    // Input names read as the action's; say how to give them here too.
    const message =
      err instanceof InputError
        ? `${err.message} (--${err.input}, ${envName(err.input)}, or ${err.input}: in --config)`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`njord-deploy: ${message}\n`);
    if (process.argv.includes('--verbose') && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    process.exitCode = usageLike ? 2 : 1;
  },
);
