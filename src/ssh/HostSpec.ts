import { InputError } from '../inputs/InputError.js';

/** One deploy target: `user@host[:port]` (IPv6 as `user@[::1]:22`). */
export interface HostSpec {
  user: string;
  host: string;
  port: number;
  /** As the user wrote it, for reports. */
  label: string;
}

const USER = /^[a-z_][a-z0-9_.-]*$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV6 = /^[0-9a-f:.]+$/i;

export function parseHostSpec(text: string, input = 'hosts'): HostSpec {
  const m = /^([^@\s]+)@(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new InputError(input, `'${text}' is not user@host[:port] (for example deploy@app1.example.com:22)`);
  const [, user, rawHost, rawPort] = m as unknown as [string, string, string, string | undefined];
  if (!USER.test(user)) throw new InputError(input, `'${text}': '${user}' is not a valid user name`);
  const v6 = rawHost.startsWith('[');
  const host = v6 ? rawHost.slice(1, -1) : rawHost;
  if (v6 ? !IPV6.test(host) : !HOSTNAME.test(host))
    throw new InputError(input, `'${text}': '${host}' is not a valid host name or address`);
  const port = rawPort === undefined ? 22 : Number(rawPort);
  if (!(port >= 1 && port <= 65535)) throw new InputError(input, `'${text}': port ${rawPort} is out of range 1-65535`);
  return { user, host, port, label: text };
}

export function parseHostList(items: string[], input = 'hosts'): HostSpec[] {
  if (items.length === 0)
    throw new InputError(input, 'is required: one or more user@host[:port], by newlines or commas');
  const hosts = items.map((i) => parseHostSpec(i, input));
  const seen = new Set<string>();
  for (const h of hosts) {
    const key = `${h.user}@${h.host}:${h.port}`;
    if (seen.has(key)) throw new InputError(input, `'${h.label}' is listed twice`);
    seen.add(key);
  }
  return hosts;
}

/** The name known_hosts files use for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(h: { host: string; port: number }): string {
  return h.port === 22 ? h.host : `[${h.host}]:${h.port}`;
}
