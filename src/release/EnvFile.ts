// The release's env file. Compose's own env-file parsers disagree (v1's python-dotenv expands
// ${VAR} even inside single quotes; v2's compose-go has other rules), so the file is shell
// assignments instead, quoted by Shell.quote and sourced by `sh` before compose runs: every value
// reaches compose's variable substitution byte for byte, on both versions.
import { quote } from '../remote/Shell.js';

export function renderEnvFile(vars: Iterable<[string, string]>): string {
  const lines = ['# njord release env: sourced by sh (set -a) before compose runs. Mode 0600.'];
  for (const [key, value] of vars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not a variable name: ${key}`);
    lines.push(`${key}=${quote(value)}`);
  }
  return lines.join('\n') + '\n';
}
