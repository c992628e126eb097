// One SSH connection per host, reused for every command of a run. Host keys are checked
// against known-hosts during key exchange, so a wrong key is refused before we authenticate.
import { createHash } from 'node:crypto';
import type { Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, utils, type ConnectConfig } from 'ssh2';
import { InputError } from '../inputs/InputError.js';
import type { HostSpec } from './HostSpec.js';
import { knownHostsName } from './HostSpec.js';
import type { KnownHosts } from './KnownHosts.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last lines a failed command printed (stderr, else stdout), on one line, for an error message. */
export function lastLine(r: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  return (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ').slice(0, 500) || 'no output';
}

export interface ExecOptions {
  /** Sent on the channel's stdin then closed: how file contents and secrets reach the host. */
  stdin?: string | Buffer;
  /** Kill the wait after this long (the remote command may still be running). */
  timeoutMs?: number;
}

export interface StreamOptions {
  /** Where the command's stdout goes, with backpressure (the channel's window follows the reader). */
  stdout?: Writable;
  /** Sent first on stdin (a secret line, say); then stdin stays as `holdStdin` says. */
  stdinText?: string;
  /**
   * Keep stdin open until the command exits: a remote watchdog reading stdin then sees EOF only when
   * this connection dies, and can stop the command's processes (sshd sends no SIGHUP without a pty).
   */
  holdStdin?: boolean;
  /** Piped into stdin after `stdinText`, with backpressure; stdin closes when it ends. */
  stdin?: Readable;
  /** Bytes of stderr kept (the tail). */
  stderrLimit?: number;
}

export interface StreamResult {
  code: number;
  stderr: string;
}

export class RemoteCommandError extends Error {
  constructor(
    readonly host: string,
    readonly what: string,
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-8).join('\n');
    super(`${host}: ${what} failed (exit ${result.code})${detail ? `: ${detail}` : ''}`);
    this.name = 'RemoteCommandError';
  }
}

export interface ConnectOptions {
  privateKey: string;
  knownHosts: KnownHosts;
  readyTimeoutMs?: number;
  /** Told each command, its exit code and time (the actions send it to core.debug). */
  trace?: (line: string) => void;
}

/** Checks the key text before any connection, so a bad key is a clear input error. */
export function checkPrivateKey(privateKey: string, input = 'ssh-key'): void {
  if (!privateKey.trim()) throw new InputError(input, 'is required: the private key text (e.g. secrets.DEPLOY_KEY)');
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new InputError(
      input,
      encrypted
        ? 'is protected by a passphrase; use a deploy key without one'
        : `is not a private key in OpenSSH or PEM format (${parsed.message})`,
    );
  }
}

export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

export class SshConnection {
  private constructor(
    private readonly client: Client,
    readonly spec: HostSpec,
    private readonly trace?: (line: string) => void,
  ) {}

  static open(spec: HostSpec, opts: ConnectOptions): Promise<SshConnection> {
    const known = opts.knownHosts.keysFor(spec);
    if (!known.some((k) => !k.revoked))
      return Promise.reject(
        new InputError(
          'known-hosts',
          `has no key for ${knownHostsName(spec)}; add the line that \`ssh-keyscan -p ${spec.port} ${spec.host}\` prints, after checking its fingerprint`,
        ),
      );
    return new Promise((resolve, reject) => {
      const client = new Client();
      let offered: Buffer | undefined;
      let settled = false;
      const done = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) {
          client.end();
          reject(err);
        } else resolve(new SshConnection(client, spec, opts.trace));
      };
      const config: ConnectConfig = {
        host: spec.host,
        port: spec.port,
        username: spec.user,
        privateKey: opts.privateKey,
        readyTimeout: opts.readyTimeoutMs ?? 20_000,
        keepaliveInterval: 10_000,
        algorithms: { serverHostKey: opts.knownHosts.algorithmsFor(spec) as never },
        hostVerifier: (key: Buffer) => {
          offered = key;
          return opts.knownHosts.accepts(spec, key);
        },
      };
      client.on('ready', () => done());
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (offered && !opts.knownHosts.accepts(spec, offered)) {
          done(
            new InputError(
              'known-hosts',
              `${spec.label} offered host key ${fingerprint(offered)}, which is not listed for ${knownHostsName(spec)}. ` +
                'Refused before authenticating. If the server was rebuilt, verify and update the line.',
            ),
          );
        } else if (err.level === 'client-authentication') {
          done(
            new InputError(
              'ssh-key',
              `${spec.label} refused the key for user '${spec.user}': add its public key to ~${spec.user}/.ssh/authorized_keys`,
            ),
          );
        } else if (err.level === 'client-timeout') {
          done(
            new InputError('hosts', `${spec.label} did not answer within ${(opts.readyTimeoutMs ?? 20_000) / 1000}s`),
          );
        } else if (
          err.code &&
          ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH'].includes(err.code)
        ) {
          done(new InputError('hosts', `cannot reach ${spec.label}: ${err.code}`));
        } else {
          done(new Error(`${spec.label}: SSH connection failed: ${err.message}`));
        }
      });
      client.on('close', () => done(new Error(`${spec.label}: SSH connection closed during setup`)));
      try {
        client.connect(config);
        // Nagle's algorithm held each small packet (exec request, EOF, close) for a delayed ACK:
        // ~40 ms per round trip, on every one of a run's commands.
        client.setNoDelay(true);
      } catch (err) {
        done(err as Error);
      }
    });
  }

  /** Runs one command line on the host (built by the command modules; quoted already). */
  exec(command: string, opts: ExecOptions = {}): Promise<CommandResult> {
    const started = performance.now();
    return new Promise<CommandResult>((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(new Error(`${this.spec.label}: could not start a command: ${err.message}`));
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let code: number | undefined;
        let timer: NodeJS.Timeout | undefined;
        if (opts.timeoutMs) {
          timer = setTimeout(() => {
            stream.close();
            reject(new Error(`${this.spec.label}: command timed out after ${opts.timeoutMs} ms`));
          }, opts.timeoutMs);
        }
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errs.push(d));
        stream.on('exit', (c: number | null, signal?: string) => {
          code = c ?? (signal ? 128 : 255);
        });
        stream.on('close', () => {
          if (timer) clearTimeout(timer);
          // Command lines carry no secrets (those go on stdin), so they can be traced.
          this.trace?.(`${this.spec.label}: exit ${code} in ${Math.round(performance.now() - started)} ms: ${command}`);
          resolve({
            code: code ?? 255,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errs).toString('utf8'),
          });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  /** Like exec, but a non-zero exit throws a RemoteCommandError saying `what` failed. */
  async run(what: string, command: string, opts: ExecOptions = {}): Promise<CommandResult> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) throw new RemoteCommandError(this.spec.label, what, r);
    return r;
  }

  /**
   * Runs one command whose stdout may be large: streamed into `opts.stdout` (never held whole in
   * memory), stderr's tail kept. Resolves when the command has exited and stdout is flushed.
   */
  stream(command: string, opts: StreamOptions = {}): Promise<StreamResult> {
    const limit = opts.stderrLimit ?? 64 * 1024;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(new Error(`${this.spec.label}: could not start a command: ${err.message}`));
        let stderr = '';
        let code: number | undefined;
        channel.stderr.on('data', (d: Buffer) => {
          stderr = (stderr + d.toString('utf8')).slice(-limit);
        });
        channel.on('exit', (c: number | null, signal?: string) => {
          code = c ?? (signal ? 128 : 255);
          // The command is done: let the remote watchdog see EOF now.
          if (opts.holdStdin) channel.end();
        });
        if (opts.stdinText !== undefined) channel.write(opts.stdinText);
        const source = opts.stdin;
        let sourceFailed: Error | undefined;
        if (source) {
          source.once('error', (e) => {
            sourceFailed = e;
            channel.close();
          });
          // A command that exits before reading it all ends the feed rather than leaving it paused.
          channel.once('close', () => source.unpipe(channel).destroy());
          source.pipe(channel);
        } else if (!opts.holdStdin) channel.end();
        const closed = new Promise<void>((r) => channel.on('close', () => r()));
        const drained = opts.stdout
          ? pipeline(channel, opts.stdout)
          : new Promise<void>((r) => {
              channel.on('data', () => undefined);
              channel.on('end', () => r());
            });
        Promise.all([drained, closed]).then(
          () =>
            sourceFailed
              ? reject(new Error(`${this.spec.label}: reading what was sent failed: ${sourceFailed.message}`))
              : resolve({ code: code ?? 255, stderr }),
          (e: Error) => {
            channel.close();
            reject(new Error(`${this.spec.label}: streaming the output failed: ${e.message}`));
          },
        );
      });
    });
  }

  /** A TCP stream to host:port as seen from the server (its own loopback, for health checks). */
  forward(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
    });
  }

  close(): void {
    this.client.end();
  }
}
