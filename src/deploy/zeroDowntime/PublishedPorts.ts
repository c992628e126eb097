// A compose service's published TCP ports, read from its `ports:` in either syntax. The proxy takes
// these over, so each must name a fixed host port (a range, a variable or UDP cannot be proxied).

export interface PublishedPort {
  /** The address the host port binds, e.g. 127.0.0.1; empty for every address. */
  hostIp: string;
  hostPort: number;
  /** The port the service listens on inside its container. */
  containerPort: number;
}

export type PortsRead = { ok: true; ports: PublishedPort[] } | { ok: false; why: string };

const SHORT = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/;

function asPort(s: string | number): number | undefined {
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function readOne(entry: unknown): PublishedPort | string {
  if (typeof entry === 'string' || typeof entry === 'number') {
    const text = String(entry);
    if (text.includes('$')) return `'${text}' uses a variable; the proxy needs a fixed host port`;
    if (/^\d+(\/tcp)?$/.test(text)) return `'${text}' publishes no fixed host port`;
    const m = SHORT.exec(text);
    if (!m) return `'${text}' is not host:container (ranges cannot be proxied)`;
    if (m[4] === 'udp') return `'${text}' is UDP; the proxy carries HTTP over TCP`;
    const hostPort = asPort(m[2]!);
    const containerPort = asPort(m[3]!);
    if (!hostPort || !containerPort) return `'${text}' has a port outside 1-65535`;
    return { hostIp: (m[1] ?? '').replace(/^\[|\]$/g, ''), hostPort, containerPort };
  }
  if (entry && typeof entry === 'object') {
    const o = entry as Record<string, unknown>;
    if ((o.protocol ?? 'tcp') !== 'tcp')
      return `port ${String(o.target)} is ${String(o.protocol)}; the proxy carries TCP`;
    const containerPort = asPort(o.target as number);
    const hostPort = o.published === undefined ? undefined : asPort(o.published as number);
    if (!containerPort) return `a long-syntax port without a valid target`;
    if (!hostPort) return `port ${containerPort} publishes no fixed host port`;
    return { hostIp: typeof o.host_ip === 'string' ? o.host_ip : '', hostPort, containerPort };
  }
  return `'${String(entry)}' is not a port`;
}

/** The ports of one service (`ports:` as YAML gives it), or why the proxy cannot take them. */
export function readPublishedPorts(ports: unknown): PortsRead {
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0))
    return { ok: false, why: 'publishes no port (ports:), so there is nothing for the proxy to take over' };
  if (!Array.isArray(ports)) return { ok: false, why: 'has a ports: that is not a list' };
  const out: PublishedPort[] = [];
  for (const p of ports) {
    const r = readOne(p);
    if (typeof r === 'string') return { ok: false, why: `has a port the proxy cannot take: ${r}` };
    out.push(r);
  }
  return { ok: true, ports: out };
}
