// The release's env file. Compose's own env-file parsers disagree (v1's python-dotenv expands
// ${VAR} even inside single quotes; v2's compose-go has other rules), so the file is shell
// assignments instead, quoted by Shell.quote and sourced by `sh` before compose runs: every value
// reaches compose's variable substitution byte for byte, on both versions.
import { quote } from '../remote/Shell.js';

/**
 * Why a name is not an app variable, or undefined when it is. The file is sourced with `set -a`
 * into the environment of the shell that then execs compose, so these would change which binary,
 * plugin or Docker engine runs, or how that shell behaves, rather than the app's settings.
 */
export function hostVariable(key: string): string | undefined {
  if (key === 'PATH') return 'chooses which docker and compose programs run';
  if (key === 'HOME') return 'is where docker finds its config, contexts and CLI plugins (compose v2 is one)';
  if (key.startsWith('LD_') || key === 'GCONV_PATH')
    return 'makes the C library load other code into docker and compose';
  if (['IFS', 'ENV', 'BASH_ENV', 'SHELLOPTS', 'BASHOPTS', 'CDPATH', 'GLOBIGNORE'].includes(key))
    return 'changes how the shell that loads the env file, or one started from it, behaves';
  if (key.startsWith('DOCKER_'))
    return 'is read by the docker CLI, to pick the engine, context, credentials or TLS settings compose uses';
  // COMPOSE_PROFILES only picks services of the release's own files, on njord's project and engine.
  if (key.startsWith('COMPOSE_') && key !== 'COMPOSE_PROFILES')
    return 'is read by compose itself, not by the compose files (njord sets the project, files and directory)';
  if (key.startsWith('PYTHON')) return 'picks the code Compose v1 (a Python program) runs';
  return undefined;
}

export function renderEnvFile(vars: Iterable<[string, string]>): string {
  const lines = ['# njord release env: sourced by sh (set -a) before compose runs. Mode 0600.'];
  for (const [key, value] of vars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not a variable name: ${key}`);
    if (hostVariable(key)) throw new Error(`not an app variable: ${key}`);
    lines.push(`${key}=${quote(value)}`);
  }
  return lines.join('\n') + '\n';
}
