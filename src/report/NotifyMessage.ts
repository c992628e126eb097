// The one message njord posts at the end of a deploy, rollback, backup or restore, in the format
// the receiver expects: Slack's and Discord's incoming webhooks, known by their address, and a
// documented JSON body for anything else (docs/how-tos/notifications.md).

export type NotifyAction = 'deploy' | 'rollback' | 'backup' | 'restore';
export type NotifyResult = 'succeeded' | 'rolled back' | 'failed';

export interface NotifyEvent {
  action: NotifyAction;
  app: string;
  result: NotifyResult;
  /** Why, when it did not succeed (or what it did, when it did). */
  reason?: string;
  environment?: string;
  release?: string;
  image?: string;
  digest?: string;
  /** The backup a backup made or a restore put back. */
  backupId?: string;
  hosts: string[];
  /** Who started the run (GITHUB_ACTOR). */
  actor?: string;
  runUrl?: string;
}

export type WebhookKind = 'slack' | 'discord' | 'json';

/**
 * Slack by its host or its path (/services/T…/B…/…), Discord by /api/webhooks/…: the path also
 * counts so that a proxy in front of either still gets the right body.
 */
export function webhookKind(url: URL): WebhookKind {
  if (url.hostname === 'hooks.slack.com' || /^\/services\/[^/]+\/[^/]+\/[^/]+\/?$/.test(url.pathname)) return 'slack';
  if (/(^|\.)discord(app)?\.com$/.test(url.hostname) || /^\/api\/webhooks\/\d+\/[^/]+/.test(url.pathname))
    return 'discord';
  return 'json';
}

const VERB: Record<NotifyAction, string> = {
  deploy: 'Deploy',
  rollback: 'Rollback',
  backup: 'Backup',
  restore: 'Restore',
};

/** One line: "Deploy of shop to production failed", the words a chat shows first. */
export function notifyTitle(e: NotifyEvent): string {
  return `${VERB[e.action]} of ${e.app}${e.environment ? ` to ${e.environment}` : ''} ${e.result}`;
}

/** The facts after the title, as label and value. */
function facts(e: NotifyEvent): [string, string][] {
  const out: [string, string][] = [];
  if (e.release) out.push(['Release', e.release]);
  if (e.image) out.push(['Image', e.digest && !e.image.includes('@') ? `${e.image} (${e.digest})` : e.image]);
  if (e.backupId) out.push(['Backup', e.backupId]);
  if (e.hosts.length) out.push(['Hosts', e.hosts.join(', ')]);
  if (e.actor) out.push(['Started by', e.actor]);
  return out;
}

const ICON: Record<NotifyResult, string> = { succeeded: '✅', 'rolled back': '↩️', failed: '❌' };
const DISCORD_COLOR: Record<NotifyResult, number> = { succeeded: 0x2da44e, 'rolled back': 0xbf8700, failed: 0xcf222e };

/** The body to POST for `kind`. */
export function notifyBody(kind: WebhookKind, e: NotifyEvent): Record<string, unknown> {
  if (kind === 'slack') return slackBody(e);
  if (kind === 'discord') return discordBody(e);
  return jsonBody(e);
}

/** Slack: `text` in mrkdwn (https://api.slack.com/messaging/webhooks). */
function slackBody(e: NotifyEvent): Record<string, unknown> {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const lines = [`${ICON[e.result]} *${esc(notifyTitle(e))}*`];
  if (e.reason) lines.push(esc(e.reason));
  lines.push(
    facts(e)
      .map(([k, v]) => `${k}: \`${esc(v)}\``)
      .join(' · '),
  );
  if (e.runUrl) lines.push(`<${e.runUrl}|View the run>`);
  return { text: lines.filter(Boolean).join('\n') };
}

/** Discord: one embed (https://discord.com/developers/docs/resources/webhook#execute-webhook). */
function discordBody(e: NotifyEvent): Record<string, unknown> {
  return {
    username: 'njord',
    embeds: [
      {
        title: `${ICON[e.result]} ${notifyTitle(e)}`.slice(0, 256),
        ...(e.runUrl ? { url: e.runUrl } : {}),
        ...(e.reason ? { description: e.reason.slice(0, 4000) } : {}),
        color: DISCORD_COLOR[e.result],
        fields: facts(e).map(([name, value]) => ({ name, value: value.slice(0, 1024), inline: name !== 'Image' })),
      },
    ],
  };
}

/** Any other receiver: the event as documented JSON, version 1. */
function jsonBody(e: NotifyEvent): Record<string, unknown> {
  return {
    version: 1,
    source: 'njord',
    title: notifyTitle(e),
    action: e.action,
    app: e.app,
    result: e.result,
    reason: e.reason ?? null,
    environment: e.environment ?? null,
    release: e.release ?? null,
    image: e.image ?? null,
    digest: e.digest ?? null,
    backup_id: e.backupId ?? null,
    hosts: e.hosts,
    actor: e.actor ?? null,
    run_url: e.runUrl ?? null,
  };
}
