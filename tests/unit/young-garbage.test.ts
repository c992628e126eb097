// The runner's memory while archives stream through it: dead buffers are given back as the young
// generation is collected every few megabytes, not when V8 gets round to it (youngGarbage.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectYoungGarbage, GarbageByBytes } from '../../src/runtime/youngGarbage.js';

const external = () => process.memoryUsage().arrayBuffers;

describe('collecting the young generation by bytes', () => {
  it('keeps the dead buffers of a 128 MiB stream of 32 KiB packets to about `every` bytes', async () => {
    const g = new GarbageByBytes(4 << 20);
    collectYoungGarbage();
    await sleep(100);
    const base = external();
    let peak = 0;
    let sum = 0;
    for (let i = 0; i < 4096; i++) {
      // As an SSH packet arrives: a fresh buffer, dead once it is passed on.
      const packet = Buffer.alloc(32 * 1024, i & 0xff);
      sum += packet[7]!;
      g.passed(packet.length);
      // As on a stream, other work (the freeing among it) runs between chunks.
      if (i % 8 === 0) await new Promise((r) => setImmediate(r));
      peak = Math.max(peak, external() - base);
    }
    expect(sum).toBeGreaterThan(0);
    // Without the collections the same loop peaks at about 80 MiB here (Node 20).
    expect(peak).toBeLessThan(12 << 20);
  });
});
