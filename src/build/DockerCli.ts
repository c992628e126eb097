// Runs the docker CLI on the runner: argv arrays (no shell), secrets only through stdin, output
// captured for parsing and, for builds and pushes, shown live in the log.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerRunOptions {
  /** Written to docker's stdin (a password for --password-stdin). */
  input?: string;
  /** Extra environment for this command (DOCKER_BUILDKIT=0 for the classic builder). */
  env?: Record<string, string>;
  /** Show the output live in the log as it comes. */
  live?: boolean;
}

export class DockerCli {
  constructor(
    /** The environment every command gets: the runner's, with DOCKER_CONFIG when the action logs in. */
    private readonly baseEnv: NodeJS.ProcessEnv,
    /** Where live output goes (the step log). */
    private readonly out: (text: string) => void = (t) => process.stdout.write(t),
  ) {}

  /** A CLI with DOCKER_CONFIG pointing at `dir` (the action's private login). */
  withConfig(dir: string): DockerCli {
    return new DockerCli({ ...this.baseEnv, DOCKER_CONFIG: dir }, this.out);
  }

  get configDir(): string | undefined {
    return this.baseEnv.DOCKER_CONFIG;
  }

  run(args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, {
        env: { ...this.baseEnv, ...opts.env },
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      // A Dockerfile's RUN can print anything; the runner must not take it for workflow commands.
      const stopToken = opts.live ? randomBytes(16).toString('hex') : '';
      if (opts.live) this.out(`::stop-commands::${stopToken}\n`);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout!.on('data', (b: Buffer) => {
        stdout.push(b);
        if (opts.live) this.out(b.toString('utf8'));
      });
      child.stderr!.on('data', (b: Buffer) => {
        stderr.push(b);
        if (opts.live) this.out(b.toString('utf8'));
      });
      child.once('error', (err) =>
        reject(
          new Error(
            err.message.includes('ENOENT')
              ? 'docker is not installed on this runner (no docker on PATH)'
              : `docker ${args[0]}: ${err.message}`,
          ),
        ),
      );
      child.once('close', (code, signal) => {
        if (opts.live) this.out(`\n::${stopToken}::\n`);
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
    });
  }
}

/** The last non-empty lines of a command's output, for error messages. */
export function lastLines(r: DockerResult, n = 3): string {
  return (r.stderr.trim() ? r.stderr : r.stdout).trim().split('\n').slice(-n).join('\n');
}
