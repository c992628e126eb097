// Compose command lines for one release of one app, for either Compose v2 (`docker compose`)
// or v1 (`docker-compose`). The project name is the app, so named volumes outlive releases.
// Every command runs with the release's env file sourced into its environment (see EnvFile.ts).
import type { Argv } from './Shell.js';
import type { ComposeVariant } from './ProbeCommands.js';

export interface ComposeTarget {
  variant: ComposeVariant;
  project: string;
  /** The release directory: compose files and release.env live here. */
  dir: string;
  files: string[];
  envFile: string;
  /** DOCKER_CONFIG for private registries; credentials stay with the app. */
  dockerConfig?: string;
  /**
   * Variables set after the env file is sourced, so they win over it: the rollback pins IMAGE to
   * the digest a release ran without rewriting the release's env file. Never secrets (argv).
   */
  overrides?: Record<string, string>;
}

export class ComposeCommands {
  constructor(private readonly t: ComposeTarget) {}

  private base(): string[] {
    const assignments = Object.entries(this.t.overrides ?? {}).map(([k, v]) => `${k}=${v}`);
    if (this.t.dockerConfig) assignments.unshift(`DOCKER_CONFIG=${this.t.dockerConfig}`);
    const env = assignments.length ? ['env', ...assignments] : [];
    const bin = this.t.variant === 'v2' ? ['docker', 'compose'] : ['docker-compose'];
    const files = this.t.files.flatMap((f) => ['-f', `${this.t.dir}/${f}`]);
    // `sh` sources the env file (path as $1), then execs compose: values never touch argv.
    const withEnv = ['sh', '-c', 'set -a && . "$1" && set +a && shift && exec "$@"', 'njord-env', this.t.envFile];
    return [...withEnv, ...env, ...bin, '--project-name', this.t.project, '--project-directory', this.t.dir, ...files];
  }

  /** Validates the files with the variables of the release, printing nothing secret. */
  config(): Argv {
    return [...this.base(), 'config', '--quiet'];
  }

  pull(): Argv {
    return [...this.base(), 'pull', '--quiet'];
  }

  /** Starts the release; volumes are never removed (no `down -v`, ever). */
  up(): Argv {
    return [...this.base(), 'up', '--detach', '--remove-orphans'];
  }

  /** A one-off container of `service` running `command`, removed after; no other service started. */
  run(service: string, command: Argv): Argv {
    return [...this.base(), 'run', '--rm', '--no-deps', '-T', service, ...command];
  }

  /** The release's service names, one a line. */
  services(): Argv {
    return [...this.base(), 'config', '--services'];
  }

  /** Starts only `services`, with more `up` flags (the zero-downtime switch: --no-deps, --scale). */
  upServices(services: string[], flags: string[]): Argv {
    return [...this.base(), 'up', '--detach', ...flags, ...services];
  }
}
