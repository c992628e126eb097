// A job summary as a user sees it on the run page: the markdown rendered to HTML (marked, GitHub
// flavoured) inside a page styled lightly like GitHub's summary card, then photographed by headless
// Chromium (Debian's package, no browser download).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';

const CSS = `
body { margin: 0; padding: 24px; background: #f6f8fa; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
  "Noto Color Emoji"; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; }
.card > header { padding: 12px 16px; border-bottom: 1px solid #d0d7de; font-weight: 600; }
.markdown-body { padding: 16px 24px 8px; }
h2 { font-size: 1.5em; font-weight: 600; margin: 8px 0 16px; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; }
p { margin: 0 0 16px; }
table { border-collapse: collapse; margin: 0 0 16px; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; background: #f6f8fa; }
tr:nth-child(2n) td { background: #f6f8fa; }
code { padding: .2em .4em; font-size: 85%; background: #818b981f; border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
pre { padding: 16px; background: #f6f8fa; border-radius: 6px; overflow: auto; font-size: 85%; }
pre code { padding: 0; background: none; font-size: 100%; }
details { margin: 0 0 16px; }
summary { cursor: pointer; }
a { color: #0969da; text-decoration: none; }
sub { font-size: 12px; color: #59636e; }
`;

/** The summary's HTML page: GitHub's card around the rendered markdown, headed by the job's name. */
export function summaryHtml(markdown: string, job: string, width = 1200): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  // The card fills the window but the body's padding, as the run page's summary pane does.
  const card = `.card { max-width: ${width - 50}px; }`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}${card}</style></head><body><div class="card"><header>${job} summary</header><div class="markdown-body">${body}</div></div></body></html>`;
}

export function chromiumPath(): string | undefined {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])
    if (existsSync(p)) return p;
  return undefined;
}

/** Runs headless Chromium on the page at width × height with `args`; returns its stdout. */
function chromium(html: string, args: (dir: string) => string[], width: number, height: number): string {
  const binary = chromiumPath();
  if (!binary) throw new Error('no Chromium: apt-get install chromium');
  const dir = mkdtempSync(join(tmpdir(), 'njord-summary-'));
  try {
    const page = join(dir, 'summary.html');
    writeFileSync(page, html);
    const r = spawnSync(
      binary,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--hide-scrollbars',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${width},${height}`,
        ...args(dir),
        `file://${page}`,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`chromium failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Photographs the page at width × height into `png`; throws with Chromium's output when it fails. */
export function screenshot(html: string, png: string, width = 1200, height = 900): void {
  chromium(html, () => [`--screenshot=${png}`], width, height);
  if (!existsSync(png)) throw new Error(`chromium wrote no ${png}`);
}

/** Measures the laid-out page in the browser: tables wider than the card, single tokens broken over lines. */
const MEASURE = `<script>
const problems = [];
for (const t of document.querySelectorAll('table'))
  if (t.scrollWidth > t.clientWidth + 1)
    problems.push('a table of ' + t.scrollWidth + 'px is cut to ' + t.clientWidth + 'px: ' + t.rows[0].textContent.trim().replace(/\\s+/g, ' '));
// A cell's text on more than one line box; a code span split in fragments, one a line.
const wrapped = (c) => {
  if (c.tagName === 'CODE') return c.getClientRects().length > 1;
  const range = document.createRange();
  range.selectNodeContents(c);
  return range.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(c).lineHeight);
};
for (const c of document.querySelectorAll('td, th, td code'))
  if (!/\\s/.test(c.textContent.trim()) && wrapped(c)) problems.push('broken over lines: ' + c.textContent.trim());
const out = document.createElement('pre');
out.id = 'layout';
out.textContent = JSON.stringify(problems);
document.body.append(out);
</script>`;

/** What of the page's layout a reader would see as broken (clipped tables, wrapped ids), at that width. */
export function layoutProblems(html: string, width = 1200, height = 900): string[] {
  const dom = chromium(html.replace('</body>', `${MEASURE}</body>`), () => ['--dump-dom'], width, height);
  const m = /<pre id="layout">([^<]*)<\/pre>/.exec(dom);
  if (!m) throw new Error(`no layout measured: ${dom.slice(0, 300)}`);
  const text = m[1]!
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return JSON.parse(text) as string[];
}
