// The runner's memory while gigabytes stream through it. Every SSH packet (and every block of an
// artifact upload) arrives in a fresh buffer, and V8 frees dead buffers only when its heuristics
// say so, by which time tens of megabytes of them have piled up: streaming a 1 GiB volume, the
// runner peaked at 140 MB, and at 108 MB when the young generation is collected every few
// megabytes (about a millisecond each, while the dead buffers are few).
// Node gives scripts gc() only with --expose-gc, which an action cannot pass; set at run time the
// flag applies to contexts made after it, so one is made to fetch it. Where that fails, this does
// nothing and memory is what V8 makes it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' }) => void;

let gc: Gc | null | undefined;

function collector(): Gc | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = (runInNewContext('gc') as Gc | undefined) ?? null;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/** Collects the young generation now: dead buffers go back at once. */
export function collectYoungGarbage(): void {
  collector()?.({ type: 'minor' });
}

/** Counts bytes as they pass, and collects the young generation each `every` bytes. */
export class GarbageByBytes {
  private since = 0;

  constructor(private readonly every = 8 << 20) {}

  passed(n: number): void {
    if ((this.since += n) < this.every) return;
    this.since = 0;
    collectYoungGarbage();
  }
}

/** Collects the young generation every `ms` while `work` runs (for streams this process does not own). */
export async function collectingWhile<T>(work: () => Promise<T>, ms = 50): Promise<T> {
  const timer = setInterval(collectYoungGarbage, ms);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
