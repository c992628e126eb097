// The release's env file, read by compose for ${VAR} substitution. Values are quoted so both
// Compose v2 (compose-go) and v1 (python-dotenv) read them back unchanged.
export class EnvValueError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

export function renderEnvFile(vars: Iterable<[string, string]>): string {
  const lines: string[] = [];
  for (const [key, value] of vars) lines.push(`${key}=${quoteEnvValue(key, value)}`);
  return lines.join('\n') + '\n';
}

function quoteEnvValue(key: string, value: string): string {
  // Single quotes: literal in both parsers, no ${} expansion.
  if (!value.includes("'")) return `'${value}'`;
  // Double quotes expand ${VAR} in both parsers, and they disagree on escaping '$'.
  if (value.includes('$'))
    throw new EnvValueError(key, `${key} holds both ' and $, which compose env files cannot carry unchanged; change the value`);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
