// Every relative link in the README, the CHANGELOG and docs/ leads somewhere: a file of the
// repository, and a #fragment to a heading of the README (as GitHub makes heading anchors).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/runAction.js';

const pages = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function anchors(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!));
  return new Set(headings);
}

/** Link targets outside code blocks and code spans. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t));
}

describe('documentation links', () => {
  const readmeAnchors = anchors(readFileSync(join(repoRoot, 'README.md'), 'utf8'));

  for (const page of pages) {
    it(`${page} links only to files and README headings that exist`, () => {
      const broken = links(readFileSync(join(repoRoot, page), 'utf8')).filter((target) => {
        const [file, fragment] = target.split('#') as [string, string | undefined];
        if (file && !existsSync(join(repoRoot, dirname(page), decodeURIComponent(file)))) return true;
        const inReadme = file ? join(dirname(page), file) === 'README.md' : page === 'README.md';
        return Boolean(fragment && inReadme && !readmeAnchors.has(fragment));
      });
      expect(broken).toEqual([]);
    });
  }
});
