// Every relative link of every markdown page leads somewhere: a file or folder of the repository,
// and a #fragment to a heading of the page it names (as GitHub makes heading anchors). And no
// page is orphaned: each is reached from the README by following links from page to page.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/runAction.js';

const skipped = new Set(['node_modules', 'dist', '.git', 'fixtures']);

function markdownFiles(dir = repoRoot): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (skipped.has(d.name)) return [];
    const full = join(dir, d.name);
    if (d.isDirectory()) return markdownFiles(full);
    return d.name.endsWith('.md') ? [relative(repoRoot, full)] : [];
  });
}

const pages = markdownFiles().sort();
const read = (page: string) => readFileSync(join(repoRoot, page), 'utf8');
const withoutCode = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** A page's anchors; a repeated heading gets -1, -2, … as on GitHub. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Relative link targets outside code blocks and code spans. */
function links(markdown: string): string[] {
  return [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

/** Where a link of `page` leads, from the repository's root; '' for the page itself. */
function resolveTarget(page: string, target: string): { file: string; fragment?: string } {
  const [path, fragment] = target.split('#') as [string, string | undefined];
  const file = path ? normalize(join(dirname(page), decodeURIComponent(path))) : page;
  return { file, fragment };
}

/** The page a link opens: a folder shows its README.md on GitHub. */
function pageOf(file: string): string | undefined {
  const full = join(repoRoot, file);
  if (!existsSync(full)) return undefined;
  if (statSync(full).isDirectory()) return existsSync(join(full, 'README.md')) ? join(file, 'README.md') : undefined;
  return file.endsWith('.md') ? file : undefined;
}

describe('documentation links', () => {
  for (const page of pages) {
    it(`${page} links only to files and headings that exist`, () => {
      const broken = links(read(page)).filter((target) => {
        const { file, fragment } = resolveTarget(page, target);
        if (file.startsWith('..') || !existsSync(join(repoRoot, file))) return true;
        const opened = pageOf(file);
        return Boolean(fragment && opened && !anchors(read(opened)).has(fragment));
      });
      expect(broken).toEqual([]);
    });
  }

  it('every page is reached from the README', () => {
    const reached = new Set(['README.md']);
    const queue = ['README.md'];
    for (let page = queue.shift(); page; page = queue.shift()) {
      for (const target of links(read(page))) {
        const opened = pageOf(resolveTarget(page, target).file);
        if (!opened || reached.has(opened)) continue;
        reached.add(opened);
        queue.push(opened);
      }
    }
    expect(pages.filter((p) => !reached.has(p))).toEqual([]);
  });

  it('every picture in docs/ is shown by a page', () => {
    const shown = new Set(pages.flatMap((p) => links(read(p)).map((t) => resolveTarget(p, t).file)));
    const pictures = readdirSync(join(repoRoot, 'docs'))
      .filter((f) => f.endsWith('.png'))
      .map((f) => join('docs', f));
    expect(pictures.filter((p) => !shown.has(p))).toEqual([]);
  });
});
