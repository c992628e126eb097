// A RunSummary's markdown as a terminal shows it: headline underlined, tables as aligned columns,
// details indented under their title, links as text and address. The same report, without a browser.

export function markdownToText(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[1]!);
      out.push(text, '='.repeat(Math.min(width(text), 100)));
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(splitRow(lines[i]!));
      i--;
      out.push(...table(rows.filter((r) => !r.every((c) => /^-+$/.test(c)))));
      continue;
    }
    const summary = /^<details><summary>(.*)<\/summary>$/.exec(line);
    if (summary) {
      out.push(`▸ ${inline(summary[1]!)}`);
      continue;
    }
    if (line === '</details>' || /^```/.test(line)) continue;
    out.push(line.startsWith('<sub>') ? inline(line.replace(/<\/?sub>/g, '')) : inline(line));
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}

function inline(s: string): string {
  return s
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1 ($2)')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\u200b/g, '');
}

function splitRow(row: string): string[] {
  const cells: string[] = [];
  let cur = '';
  const body = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (body[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += body[i];
  }
  cells.push(cur.trim());
  return cells.map(inline);
}

/** Display width: emoji and other wide characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
  return w;
}

function table(rows: string[][]): string[] {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, c) => Math.max(...rows.map((r) => width(r[c] ?? ''))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  return [fmt(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), ''];
}
