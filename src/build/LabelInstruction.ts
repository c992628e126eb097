// The classic builder turns each --label into a LABEL step of its own, each one a container run
// and an image commit (about 0.1 s apiece). One LABEL instruction appended to a copy of the
// Dockerfile sets them all in one step. Pure; undefined where appending could change the meaning.

/** `LABEL "k"="v" …` with the values quoted for the Dockerfile's word rules (no $ expansion). */
export function labelInstruction(labels: Readonly<Record<string, string>>): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
  return (
    'LABEL ' +
    Object.entries(labels)
      .map(([k, v]) => `${q(k)}=${q(v)}`)
      .join(' ')
  );
}

/**
 * The Dockerfile with the labels as its last instruction, or undefined where that is not the same as
 * --label: a target stage (the last stage is not the one built), another escape character, a last
 * line that continues, a label with a line break.
 */
export function appendLabels(
  dockerfile: string,
  labels: Readonly<Record<string, string>>,
  target?: string,
): string | undefined {
  const entries = Object.entries(labels);
  if (!entries.length || target) return undefined;
  if (entries.some(([k, v]) => /[\r\n]/.test(k + v))) return undefined;
  const lines = dockerfile.split(/\r?\n/);
  for (const line of lines) {
    // Parser directives come first; the first other line ends them.
    const directive = /^#\s*([a-z]+)\s*=/i.exec(line);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') return undefined;
  }
  const last = [...lines].reverse().find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (!last || last.trimEnd().endsWith('\\')) return undefined;
  return `${dockerfile.replace(/\s*$/, '')}\n${labelInstruction(labels)}\n`;
}
