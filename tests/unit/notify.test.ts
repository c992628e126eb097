// The end-of-run message as each receiver gets it (Slack, Discord, the documented JSON), posted to a
// local stand-in; a receiver that refuses or hangs is a warning within the 5 s, never an error.
import { afterEach, describe, expect, it } from 'vitest';
import { InputReader } from '../../src/inputs/InputReader.js';
import { notifyAll, readWebhooks, withNotify, type Webhook } from '../../src/report/Notify.js';
import { webhookKind, type NotifyEvent } from '../../src/report/NotifyMessage.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

const event: NotifyEvent = {
  action: 'deploy',
  app: 'shop',
  result: 'failed',
  reason: 'app1: release task `web: migrate` exited 1; no host was switched',
  environment: 'production',
  release: '20261206-101500-abc1234',
  image: 'reg.example.com/shop:v2',
  digest: 'sha256:' + 'a'.repeat(64),
  hosts: ['deploy@app1'],
  actor: 'octocat',
  runUrl: 'https://github.com/acme/shop/actions/runs/42',
};

function recordingLog() {
  const lines = { info: [] as string[], warn: [] as string[] };
  return {
    lines,
    log: { info: (m: string) => lines.info.push(m), warn: (m: string) => lines.warn.push(m), error() {}, debug() {} },
  };
}

const hooksFor = (...urls: string[]): Webhook[] =>
  readWebhooks(new InputReader({ get: (n) => (n === 'notify' ? urls.join('\n') : '') }));

describe('notify', () => {
  const receivers: WebhookReceiver[] = [];
  const receiver = async (answer?: number | 'hang') => {
    const r = await startWebhookReceiver(answer);
    receivers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('knows Slack and Discord by host or path, anything else is JSON', () => {
    expect(webhookKind(new URL('https://hooks.slack.com/services/T1/B2/xyz'))).toBe('slack');
    expect(webhookKind(new URL('http://127.0.0.1:9/services/T1/B2/xyz'))).toBe('slack');
    expect(webhookKind(new URL('https://discord.com/api/webhooks/123/tok'))).toBe('discord');
    expect(webhookKind(new URL('http://127.0.0.1:9/api/webhooks/123/tok'))).toBe('discord');
    expect(webhookKind(new URL('https://ops.example.com/hooks/deploys'))).toBe('json');
  });

  it('posts one message to each receiver, in its format', async () => {
    const r = await receiver();
    const { log, lines } = recordingLog();
    await notifyAll(
      hooksFor(`${r.url}/services/T1/B2/xyz`, `${r.url}/api/webhooks/123/tok`, `${r.url}/ops`),
      event,
      log,
    );
    expect(r.messages).toHaveLength(3);
    const by = (p: string) => r.messages.find((m) => m.path === p)!;
    expect(by('/services/T1/B2/xyz').contentType).toBe('application/json');
    expect(by('/services/T1/B2/xyz').body).toEqual({
      text: [
        '❌ *Deploy of shop to production failed*',
        'app1: release task `web: migrate` exited 1; no host was switched',
        `Release: \`20261206-101500-abc1234\` · Image: \`reg.example.com/shop:v2 (sha256:${'a'.repeat(64)})\` · Hosts: \`deploy@app1\` · Started by: \`octocat\``,
        '<https://github.com/acme/shop/actions/runs/42|View the run>',
      ].join('\n'),
    });
    expect(by('/api/webhooks/123/tok').body).toEqual({
      username: 'njord',
      embeds: [
        {
          title: '❌ Deploy of shop to production failed',
          url: 'https://github.com/acme/shop/actions/runs/42',
          description: 'app1: release task `web: migrate` exited 1; no host was switched',
          color: 0xcf222e,
          fields: [
            { name: 'Release', value: '20261206-101500-abc1234', inline: true },
            { name: 'Image', value: `reg.example.com/shop:v2 (sha256:${'a'.repeat(64)})`, inline: false },
            { name: 'Hosts', value: 'deploy@app1', inline: true },
            { name: 'Started by', value: 'octocat', inline: true },
          ],
        },
      ],
    });
    expect(by('/ops').body).toEqual({
      version: 1,
      source: 'njord',
      title: 'Deploy of shop to production failed',
      action: 'deploy',
      app: 'shop',
      result: 'failed',
      reason: 'app1: release task `web: migrate` exited 1; no host was switched',
      environment: 'production',
      release: '20261206-101500-abc1234',
      image: 'reg.example.com/shop:v2',
      digest: 'sha256:' + 'a'.repeat(64),
      backup_id: null,
      hosts: ['deploy@app1'],
      actor: 'octocat',
      run_url: 'https://github.com/acme/shop/actions/runs/42',
    });
    expect(lines.warn).toEqual([]);
  });

  it('a receiver that hangs costs at most the 5 s and a warning; the others are told', async () => {
    const hang = await receiver('hang');
    const ok = await receiver();
    const { log, lines } = recordingLog();
    const started = Date.now();
    await notifyAll(hooksFor(`${hang.url}/x`, `${ok.url}/y`), event, log);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(4900);
    expect(took).toBeLessThan(5800);
    expect(ok.messages).toHaveLength(1);
    expect(lines.warn).toEqual(['notify: webhook 1 (127.0.0.1): no answer within 5 s; the message was not delivered']);
  }, 15_000);

  it('a refusal or a closed port is a warning without the URL', async () => {
    const refusing = await receiver(500);
    const { log, lines } = recordingLog();
    await notifyAll(hooksFor(`${refusing.url}/secret-token`, 'http://127.0.0.1:1/other-secret'), event, log);
    lines.warn.sort();
    expect(lines.warn[0]).toBe('notify: webhook 1 (127.0.0.1) answered HTTP 500; the message was not delivered');
    expect(lines.warn[1]).toMatch(/^notify: webhook 2 \(127\.0\.0\.1\): .*ECONNREFUSED.*not delivered$/);
    expect(lines.warn.join('\n')).not.toMatch(/secret/);
  });

  it('withNotify tells of a thrown failure, throws it on, and sends nothing for a dry run', async () => {
    const r = await receiver();
    const { log } = recordingLog();
    const hooks = hooksFor(`${r.url}/ops`);
    const boom = withNotify(
      hooks,
      log,
      (err) => ({ action: 'backup', app: 'shop', hosts: [], result: 'failed', reason: err.message }),
      () => Promise.reject(new Error("Input 'hosts': is required")),
    );
    await expect(boom).rejects.toThrow("Input 'hosts'");
    await withNotify(
      hooks,
      log,
      () => event,
      () => Promise.resolve(undefined),
    );
    expect(r.messages.map((m) => [m.body.action, m.body.result, m.body.reason])).toEqual([
      ['backup', 'failed', "Input 'hosts': is required"],
    ]);
  });

  it('refuses a line that is not an http(s) URL, naming the input', () => {
    expect(() => hooksFor('hooks.slack.com/services/x')).toThrow("Input 'notify': line 1 is not a URL");
    expect(() => hooksFor('https://a.example/x', 'ftp://b.example/y')).toThrow(
      "Input 'notify': line 2 is not an http(s) URL",
    );
  });
});
