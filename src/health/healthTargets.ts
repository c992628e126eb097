// What a health URL names: an HTTP(S) URL, a TCP port (`tcp://127.0.0.1:6379`) or a command run in
// a service's container (`exec://redis/redis-cli ping`). Parsed once, for the input check and for
// specChecks, which builds the check of each kind.

export type HealthTarget =
  | { kind: 'http'; raw: string }
  | { kind: 'tcp'; raw: string; host: string; port: number }
  | { kind: 'exec'; raw: string; service: string; argv: string[] };

/** True when `raw` asks for a command in a container (exec://), which needs a host to run on. */
export function isExecCheck(raw: string): boolean {
  return /^exec:\/\//i.test(raw);
}

/** The target `raw` names, or why it names none (for the input error). */
export function parseHealthTarget(raw: string): HealthTarget | { error: string } {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      new URL(raw);
    } catch {
      return { error: `'${raw}' is not a URL (for example http://127.0.0.1:8080/health)` };
    }
    return { kind: 'http', raw };
  }
  if (scheme === 'tcp') {
    const m = /^tcp:\/\/(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/i.exec(raw);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65_535)
      return { error: `'${raw}' is not tcp://HOST:PORT (for example tcp://127.0.0.1:6379)` };
    return { kind: 'tcp', raw, host: m[1]!.replace(/^\[|\]$/g, ''), port };
  }
  if (scheme === 'exec') {
    const m = /^exec:\/\/([A-Za-z0-9][A-Za-z0-9_.-]*)\/(.+)$/s.exec(raw);
    const argv = m ? splitWords(m[2]!) : undefined;
    if (!m || !argv || !argv.length)
      return { error: `'${raw}' is not exec://SERVICE/command args (for example exec://redis/redis-cli ping)` };
    return { kind: 'exec', raw, service: m[1]!, argv };
  }
  return {
    error: scheme
      ? `'${raw}' has the scheme ${scheme}://, which njord cannot check: use http://, https://, tcp:// or exec://`
      : `'${raw}' is not a URL: use http://, https://, tcp://HOST:PORT or exec://SERVICE/command`,
  };
}

/**
 * Words as a shell splits them, with '…' and "…" quoting and no expansion: the command runs as argv,
 * never through a shell of the container (which may have none). Undefined when a quote is open.
 */
export function splitWords(s: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + ch;
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}
