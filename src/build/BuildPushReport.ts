// The job summary of a build-push: what was built, where it went, how big, how long; or what failed.
import { InputError } from '../inputs/InputError.js';
import { RunSummary, formatMs, type Outcome } from '../report/SummaryMarkdown.js';
import type { BuildPushResult } from './BuildPush.js';
import type { PlatformSize } from './RegistryClient.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

function sizeText(sizes: PlatformSize[], pushed: boolean): string | undefined {
  if (!sizes.length) return undefined;
  const kind = pushed ? 'compressed' : 'unpacked';
  return sizes.map((s) => `${formatBytes(s.bytes)}${s.platform ? ` (${s.platform})` : ''}`).join(', ') + ` ${kind}`;
}

export function buildPushSummary(r: BuildPushResult): RunSummary {
  const outcome: Outcome = r.pushed && !r.verified ? 'warning' : 'success';
  const summary = new RunSummary('Build and push');
  summary.headline(outcome, r.pushed ? `pushed ${r.imageRef}` : `built ${r.imageRef} (not pushed)`);
  const builder =
    r.builder.kind === 'buildx' ? `buildx ${r.builder.version} (${r.builder.driver})` : 'classic docker build';
  summary.table(
    ['Image', 'Digest', 'Tags', 'Size', 'Build', 'Push', 'Builder'],
    [
      [
        r.image,
        r.digest ? `\`${r.digest}\`` : undefined,
        r.tags.map((t) => `\`${t}\``).join(' '),
        sizeText(r.sizes, r.pushed),
        formatMs(r.buildMs),
        r.pushed ? (r.pushMs === undefined ? 'in the build' : formatMs(r.pushMs)) : 'not pushed',
        builder,
      ],
    ],
  );
  if (r.pushed)
    summary.paragraph(
      r.verified
        ? `Every tag was read back from the registry and points to \`${r.digest}\`.`
        : `The tags could not be read back from the registry; the digest is the one docker push reported.`,
    );
  summary.details(
    'Labels',
    Object.entries(r.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  summary.facts({ image: r.imageRef, tookMs: r.buildMs + (r.pushMs ?? 0) });
  return summary;
}

/** What a failed build-push knew: the image it was for (as given, when the inputs stopped it). */
export interface BuildPushFailure {
  image?: string;
  push: boolean;
  error: unknown;
  tookMs: number;
}

/** The job summary of a build-push that failed: the outcome, what failed, and for which image. */
export function buildPushFailureSummary(f: BuildPushFailure): RunSummary {
  const message = f.error instanceof Error ? f.error.message : String(f.error);
  const [what, ...rest] = message.split('\n');
  const badInput = f.error instanceof InputError;
  const summary = new RunSummary('Build and push');
  summary.headline(
    'failure',
    badInput
      ? 'bad input, nothing built'
      : `failed, ${f.image ? `${f.image} ` : ''}${f.push ? 'not pushed' : 'not built'}`,
  );
  summary.table(['Image', 'Failed'], [[f.image, what]]);
  if (rest.some((l) => l.trim())) summary.details('Details', rest.join('\n').trim());
  summary.facts({ tookMs: f.tookMs });
  return summary;
}
