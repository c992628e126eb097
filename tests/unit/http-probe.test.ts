// The probe through a caller's stream must use that stream: the URL names the host's own address
// (http://127.0.0.1:PORT on the server), which on the runner may be a different server entirely.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProbe } from '../../src/health/HttpProbe.js';

function serve(status: number, hits: string[]): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(status).end(String(status));
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

/** A plain Duplex over the socket, as an SSH channel is: no setTimeout, no setNoDelay. */
function channelOver(s: Socket): Duplex {
  const d = new Duplex({
    write: (chunk, _enc, cb) => s.write(chunk, cb),
    final: (cb) => s.end(cb),
    read: () => s.resume(),
    destroy: (err, cb) => {
      s.destroy();
      cb(err);
    },
  });
  s.on('data', (c) => {
    if (!d.push(c)) s.pause();
  });
  s.on('end', () => d.push(null));
  return d;
}

const expectations = { expectStatus: [], headers: {}, requestTimeoutMs: 5000 };

describe('HttpProbe through a stream', () => {
  const decoyHits: string[] = [];
  const appHits: string[] = [];
  let decoy: { server: Server; port: number };
  let app: { server: Server; port: number };
  beforeAll(async () => {
    decoy = await serve(200, decoyHits);
    app = await serve(404, appHits);
  });
  afterAll(() => {
    decoy.server.close();
    app.server.close();
  });

  it('asks the server at the end of the stream, not the one the URL names on this machine', async () => {
    const opened: string[] = [];
    // The "tunnel": whatever host:port the URL names, it reaches the app.
    const probe = new HttpProbe(async (host, port) => {
      opened.push(`${host}:${port}`);
      const s = connect(app.port, '127.0.0.1');
      await new Promise((r) => s.once('connect', r));
      return channelOver(s);
    });
    const r = await probe.probe(`http://127.0.0.1:${decoy.port}/health`, expectations);
    expect(opened).toEqual([`127.0.0.1:${decoy.port}`]);
    expect(r).toMatchObject({ ok: false, status: 404, reason: 'HTTP 404' });
    expect(appHits).toEqual(['/health']);
    expect(decoyHits).toEqual([]);
  });

  it('gives up on a stream that never answers, within the request timeout', async () => {
    const silent = new Duplex({ read: () => undefined, write: (_c, _e, cb) => cb() });
    const r = await new HttpProbe(async () => silent).probe('http://127.0.0.1:1/health', {
      ...expectations,
      requestTimeoutMs: 300,
    });
    expect(r).toMatchObject({ ok: false, reason: 'no answer within 300 ms' });
    expect(r.latencyMs).toBeLessThan(3000);
  });

  it('without a stream, asks the URL directly', async () => {
    const r = await new HttpProbe().probe(`http://127.0.0.1:${decoy.port}/direct`, expectations);
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(decoyHits).toEqual(['/direct']);
  });
});
