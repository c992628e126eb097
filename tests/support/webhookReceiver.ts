// A local stand-in for chat webhooks (Slack, Discord, a JSON receiver): it records every POST (path
// and parsed body) and answers 200, or a given status, or never (a receiver that hangs).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  path: string;
  contentType?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:PORT */
  url: string;
  messages: ReceivedMessage[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(answer: number | 'hang' = 200): Promise<WebhookReceiver> {
  const messages: ReceivedMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      messages.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        at: Date.now(),
      });
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
