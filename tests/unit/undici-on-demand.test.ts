// The bundles' stand-in for undici (src/runtime/undiciOnDemand.ts, mapped by tsconfig.json's paths):
// what @actions/http-client and @actions/github get must behave as undici itself, proxy included,
// once realUndici.ts has handed undici over (only the artifact client's chunk does), and undici is
// evaluated only on first use.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// In the bundles `require` is webpack's; here, Node's own.
(globalThis as { require?: NodeRequire }).require ??= createRequire(import.meta.url);
const onDemand = await import('../../src/runtime/undiciOnDemand.js');
// Used before realUndici.ts hands undici over, as every bundle but the artifact client's chunk would.
let beforeProvided: Error | undefined;
try {
  new onDemand.ProxyAgent('http://127.0.0.1:1');
} catch (e) {
  beforeProvided = e as Error;
}
await import('../../src/runtime/realUndici.js');
const undici = createRequire(import.meta.url)('undici/index.js') as typeof import('undici/index.js');

let app: Server;
let proxy: Server;
const tunnels: string[] = [];
const port = (s: Server) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  app = createServer((req, res) => res.end(`hello from ${req.url}`));
  // A forward proxy that only tunnels (CONNECT), as undici's ProxyAgent asks it to.
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host, p] = (req.url ?? '').split(':');
    const upstream = connect(Number(p), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  await Promise.all([app, proxy].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
afterAll(() => {
  app.close();
  proxy.close();
});

describe('undici on demand', () => {
  it('says where undici is bundled when used before realUndici.ts hands it over', () => {
    expect(beforeProvided?.message).toMatch(/undici is not in this bundle.*realUndici/);
  });

  it("builds undici's own ProxyAgent, which really goes through the proxy", async () => {
    const agent = new onDemand.ProxyAgent(`http://127.0.0.1:${port(proxy)}`);
    expect(agent).toBeInstanceOf(undici.ProxyAgent);
    const res = await onDemand.fetch(`http://127.0.0.1:${port(app)}/via-proxy`, { dispatcher: agent });
    expect(await res.text()).toBe('hello from /via-proxy');
    expect(tunnels).toEqual([`127.0.0.1:${port(app)}`]);
    await agent.close();
  });

  it("fetches with undici's fetch when no proxy is set", async () => {
    const res = await onDemand.fetch(`http://127.0.0.1:${port(app)}/direct`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from /direct');
    expect(res).toBeInstanceOf(undici.Response);
  });
});
