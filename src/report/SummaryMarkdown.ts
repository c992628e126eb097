// The job summary's markdown in the suite's one style: RunSummary and the cells, durations and image
// references its tables show.
import { appendStepSummary, runLinks, stepSummaryWritten } from './RunPage.js';

export type Outcome = 'success' | 'failure' | 'warning' | 'neutral';

const icon: Record<Outcome, string> = { success: '✅', failure: '❌', warning: '⚠️', neutral: 'ℹ️' };

/** Markdown-safe table cell. */
export function cell(v: string | number | undefined): string {
  if (v === undefined || v === '') return '–';
  return unlinkedHosts(String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' '));
}

/** `user@host[:port]` as GitHub's markdown would turn into a mailto: link (not inside a URL). */
const EMAIL_LIKE = /(?<![\w.+\-/@])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?::\d+)?/g;

/**
 * Puts every `user@host[:port]` outside a code span into one, so a host reads as a host, not as a
 * mailto: link that GitHub's markdown makes of it.
 */
export function unlinkedHosts(markdown: string): string {
  return markdown
    .split(/(`[^`\n]*`)/)
    .map((part, i) => (i % 2 ? part : part.replace(EMAIL_LIKE, (host) => `\`${host}\``)))
    .join('');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A job summary in the suite's one style: headline, tables, details, links. */
export class RunSummary {
  private readonly parts: string[] = [];

  constructor(private readonly action: string) {}

  headline(outcome: Outcome, text: string): this {
    this.parts.push(`## ${icon[outcome]} ${this.action}: ${unlinkedHosts(text)}\n`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(`${unlinkedHosts(text)}\n`);
    return this;
  }

  table(headers: string[], rows: (string | number | undefined)[][]): this {
    const head = `| ${headers.map(cell).join(' | ')} |`;
    const sep = `| ${headers.map(() => '---').join(' | ')} |`;
    const body = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
    this.parts.push([head, sep, ...body].join('\n') + '\n');
    return this;
  }

  details(title: string, body: string, lang = ''): this {
    const fenced = '```' + lang + '\n' + body.replace(/```/g, '`\u200b``') + '\n```';
    this.parts.push(`<details><summary>${title}</summary>\n\n${fenced}\n\n</details>\n`);
    return this;
  }

  /** A fenced block shown as it is: a mermaid chart GitHub draws. */
  fenced(body: string, lang: string): this {
    this.parts.push('```' + lang + '\n' + body.replace(/```/g, '`\u200b``') + '\n```\n');
    return this;
  }

  /**
   * The line every action's summary ends with, in the same order everywhere: the release, the image,
   * the commit, the environment, how long it took, and the run.
   */
  facts(f: RunFacts): this {
    const l = runLinks();
    const link = (text: string, url?: string) => (url ? `[${text}](${url})` : text);
    const parts: string[] = [];
    if (f.release) parts.push(`**Release** \`${f.release}\``);
    if (f.image) parts.push(`**Image** ${link(`\`${shortImage(f.image)}\``, imageUrl(f.image))}`);
    const sha = process.env.GITHUB_SHA;
    if (sha) parts.push(`**Commit** ${link(`\`${sha.slice(0, 7)}\``, l.commitUrl)}`);
    if (f.environment)
      parts.push(
        `**Environment** ${link(f.environment.name, f.environment.url ?? (l.repoUrl ? `${l.repoUrl}/deployments` : undefined))}`,
      );
    if (f.tookMs !== undefined) parts.push(`**Took** ${formatMs(f.tookMs)}`);
    if (l.runUrl)
      parts.push(link(`run ${process.env.GITHUB_RUN_NUMBER ? `#${process.env.GITHUB_RUN_NUMBER}` : 'log'}`, l.runUrl));
    if (parts.length) this.parts.push(`<sub>${parts.join(' · ')}</sub>\n`);
    return this;
  }

  links(items: { text: string; url?: string }[]): this {
    const shown = items.filter((i) => i.url).map((i) => `[${i.text}](${i.url})`);
    if (shown.length) this.parts.push(shown.join(' · ') + '\n');
    return this;
  }

  markdown(): string {
    return this.parts.join('\n');
  }

  /** Appends to $GITHUB_STEP_SUMMARY; a runner without one (the CLI) just skips it. */
  async write(): Promise<void> {
    await appendStepSummary(this.markdown());
  }
}

/**
 * The summary of a step that stopped on an error before it wrote its own (bad input, above all):
 * the run page still says what went wrong, and for an input which one to fix. `title` is the
 * action's, e.g. "Backup" (inputs are not read again here: they may be what was wrong).
 */
export async function stoppedSummary(title: string, message: string, badInput: boolean): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY || stepSummaryWritten()) return;
  await new RunSummary(title)
    .headline('failure', badInput ? 'failed: bad input (nothing changed)' : 'failed')
    .paragraph(message.split('\n')[0]!)
    .facts({})
    .write();
}

/** What a summary's closing line tells (RunSummary.facts); each is left out when not given. */
export interface RunFacts {
  release?: string;
  image?: string;
  environment?: { name: string; url?: string };
  tookMs?: number;
}

/** An image reference short enough for a table: the digest cut to 12 hex digits. */
export function shortImage(ref: string): string {
  return ref.replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}$/, '@sha256:$1…');
}

/**
 * The package page of a GHCR image pushed from this repository (build-push labels it with the
 * repository, which links them): <server>/<owner>/<repo>/pkgs/container/<name>. Else undefined.
 */
export function imageUrl(ref: string): string | undefined {
  const m = /^ghcr\.io\/([^/]+)\/([^@:]+)/.exec(ref);
  const repo = process.env.GITHUB_REPOSITORY;
  if (!m || !repo || repo.split('/')[0]!.toLowerCase() !== m[1]!.toLowerCase()) return undefined;
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  return `${server}/${repo}/pkgs/container/${encodeURIComponent(m[2]!)}`;
}
