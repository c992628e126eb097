// Posting the end-of-run message to each webhook of the `notify` input, all at once. A receiver
// that refuses, fails or takes longer than the timeout is a warning: telling the team must never
// fail the step that did the work. The URLs are secrets: masked, and never in a message.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { Log } from './Log.js';
import { notifyBody, webhookKind, type NotifyEvent } from './NotifyMessage.js';

export const NOTIFY_TIMEOUT_MS = 5000;

export interface Webhook {
  url: URL;
  /** How a warning names it without the secret part: "webhook 2 (hooks.slack.com)". */
  label: string;
}

/** The `notify` input's URLs, checked; the caller masks the raw input first. */
export function readWebhooks(inputs: InputReader, name = 'notify'): Webhook[] {
  return inputs.list(name, { commas: false }).map((entry, i) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new InputError(name, `line ${i + 1} is not a URL; give one webhook URL a line`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new InputError(name, `line ${i + 1} is not an http(s) URL`);
    return { url, label: `webhook ${i + 1} (${url.hostname})` };
  });
}

/** Posts `event` to every webhook; resolves once each answered or timed out, never rejects. */
export async function notifyAll(
  hooks: Webhook[],
  event: NotifyEvent,
  log: Log,
  timeoutMs = NOTIFY_TIMEOUT_MS,
): Promise<void> {
  await Promise.all(
    hooks.map(async (h) => {
      try {
        const status = await post(h.url, notifyBody(webhookKind(h.url), event), timeoutMs);
        if (status < 200 || status >= 300)
          log.warn(`notify: ${h.label} answered HTTP ${status}; the message was not delivered`);
        else log.info(`notify: ${h.label} told (${event.result})`);
      } catch (err) {
        log.warn(`notify: ${h.label}: ${(err as Error).message}; the message was not delivered`);
      }
    }),
  );
}

function post(url: URL, body: unknown, timeoutMs: number): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, 'user-agent': 'njord-deploy' },
    });
    // One deadline for the whole exchange (connect, send, answer), not per socket idle.
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    // The status is the answer; the body is read away and not waited for.
    req.on('response', (res) => {
      clearTimeout(timer);
      res.on('error', () => undefined).resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      // Never the URL: error messages of node's http may carry it.
      reject(new Error(e.message.replaceAll(url.href, '<url>')));
    });
    req.end(data);
  });
}

/**
 * Runs an action's work and tells the webhooks how it ended: the event `run` returns, or a failure
 * with the error's message when it threw (the error is thrown on, as before).
 */
export async function withNotify(
  hooks: Webhook[],
  log: Log,
  onError: (err: Error) => NotifyEvent,
  run: () => Promise<NotifyEvent | undefined>,
): Promise<void> {
  let event: NotifyEvent | undefined;
  try {
    event = await run();
  } catch (err) {
    if (hooks.length) await notifyAll(hooks, onError(err instanceof Error ? err : new Error(String(err))), log);
    throw err;
  }
  // undefined: nothing ended that the team is told of (a dry run).
  if (hooks.length && event) await notifyAll(hooks, event, log);
}
