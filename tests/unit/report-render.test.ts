// Each action's job summary, rendered as the run page shows it: the markdown to HTML, photographed by
// headless Chromium, and looked at: one style everywhere (a headline with the outcome, tables, the
// closing facts line with the commit and the run), and a picture with something in it.
// NJORD_SUMMARY_DIR=docs keeps the pictures (scripts/render-summaries.mjs does that for the README).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryFixtures } from '../support/summaryFixtures.js';
import { chromiumPath, layoutProblems, screenshot, summaryHtml } from '../support/summaryPage.js';

const keep = process.env.NJORD_SUMMARY_DIR;
const dir = keep ?? mkdtempSync(join(tmpdir(), 'njord-summaries-'));
afterAll(() => {
  if (!keep) rmSync(dir, { recursive: true, force: true });
});

/** Width, height and RGB(A) pixels of an 8-bit truecolour PNG (what Chromium writes). */
function decodePng(buf: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24]!;
  const colour = buf[25]!;
  expect(depth).toBe(8);
  const channels = colour === 6 ? 4 : colour === 2 ? 3 : 0;
  expect(channels, `colour type ${colour}`).toBeGreaterThan(0);
  const idat: Buffer[] = [];
  for (let off = 8; off < buf.length;) {
    const len = buf.readUInt32BE(off);
    if (buf.toString('ascii', off + 4, off + 8) === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? px[y * stride + i - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? px[(y - 1) * stride + i - channels]! : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      px[y * stride + i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    pixel: (x, y) => {
      const o = y * stride + x * channels;
      return (px[o]! << 16) | (px[o + 1]! << 8) | px[o + 2]!;
    },
  };
}

const fixtures = summaryFixtures();
const noChromium = chromiumPath() ? undefined : 'no Chromium (apt-get install chromium)';

describe('job summaries', () => {
  it('has one of each action', () => {
    expect(fixtures.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'validate-config',
        'build-push',
        'deploy',
        'health-gate',
        'rollback',
        'backup',
        'restore',
      ]),
    );
  });

  for (const f of fixtures) {
    it(`${f.name}: reads in the suite's one style`, () => {
      const html = summaryHtml(f.markdown, f.job);
      // A headline with the outcome first, then at least one table.
      expect(f.markdown).toMatch(/^## (✅|❌|⚠️|ℹ️) \S/);
      expect(html).toMatch(/<h2>(✅|❌|⚠️|ℹ️) /);
      expect(html).toContain('<table>');
      // Tables stay tables: no row broken by a stray pipe or newline in a cell.
      for (const table of f.markdown.split('\n\n').filter((b) => b.startsWith('| '))) {
        const widths = table
          .trim()
          .split('\n')
          .map((row) => row.replace(/\\\|/g, '').split('|').length);
        expect(new Set(widths).size, table).toBe(1);
      }
    });

    it.skipIf(!!noChromium)(
      `${f.name}: fits its picture: no table cut off, no id or host broken over lines${noChromium ? ` (skipped: ${noChromium})` : ''}`,
      () => {
        const width = f.width ?? 1200;
        expect(layoutProblems(summaryHtml(f.markdown, f.job, width), width, f.height)).toEqual([]);
      },
    );

    it(`${f.name}: shows each host as a host, never as a mailto: link`, () => {
      const html = summaryHtml(f.markdown, f.job);
      expect(html).not.toContain('mailto:');
      const hosts = [...new Set(f.markdown.match(/deploy@app\d\.example\.com(:\d+)?/g) ?? [])];
      for (const host of hosts) expect(html).toContain(`<code>${host}</code>`);
    });

    it.skipIf(!!noChromium)(
      `${f.name}: renders to a picture with something in it${noChromium ? ` (skipped: ${noChromium})` : ''}`,
      () => {
        const png = join(dir, `summary-${f.name}.png`);
        const width = f.width ?? 1200;
        screenshot(summaryHtml(f.markdown, f.job, width), png, width, f.height);
        const img = decodePng(readFileSync(png));
        expect([img.width, img.height]).toEqual([width, f.height]);
        // Text and table lines: many colours, and a good share of pixels that are not the page's grey
        // or the card's white.
        const colours = new Set<number>();
        let ink = 0;
        let total = 0;
        for (let y = 0; y < img.height; y += 2)
          for (let x = 0; x < img.width; x += 2) {
            const p = img.pixel(x, y);
            colours.add(p);
            total++;
            if (p !== 0xffffff && p !== 0xf6f8fa) ink++;
          }
        expect(colours.size).toBeGreaterThan(40);
        expect(ink / total).toBeGreaterThan(0.02);
        // The headline (just under the card's header) has text in it.
        const inked = (y: number) =>
          Array.from({ length: 600 }, (_, x) => img.pixel(40 + x, y)).filter((p) => p !== 0xffffff).length;
        expect(Math.max(...Array.from({ length: 50 }, (_, i) => inked(90 + i)))).toBeGreaterThan(20);
      },
    );
  }

  it('the deploy summary ends with the facts line: release, image, commit, environment, time and run', () => {
    const deploy = fixtures.find((f) => f.name === 'deploy')!.markdown;
    const last = deploy.trim().split('\n').at(-1)!;
    expect(last).toBe(
      '<sub>**Release** `20261123-181652-123-4f1c2e9` · **Image** [`ghcr.io/acme/shop@sha256:9b2f4e61c0d8…`](https://github.com/acme/shop/pkgs/container/shop) · **Commit** [`4f1c2e9`](https://github.com/acme/shop/commit/4f1c2e9a7b3d5f60812ab34cd56ef7890a1b2c3d) · **Environment** [production](https://shop.example.com) · **Took** 9.9 s · [run #128](https://github.com/acme/shop/actions/runs/9876543210)</sub>',
    );
  });
});
