// What a failed rollback leaves running, without a host: every compose up's exit code decides, the
// healthier of the two releases stays, and nothing is left on nothing while one of them can start.
import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../src/health/HealthGate.js';
import { fallBack, type FallBackInput } from '../../src/rollback/FallBack.js';

/** A gate whose attempts each pass `share` of two URLs (1 = healthy after one attempt). */
const gate = (share: 0 | 0.5 | 1): GateResult => ({
  healthy: share === 1,
  attempts: [
    { at: 0, ok: share === 1, results: [0, 1].map((i) => ({ url: `u${i}`, ok: i < share * 2, latencyMs: 1 })) },
  ],
  reason: share === 1 ? undefined : `not healthy (${share})`,
});

/** Each release's compose ups exit with the codes given, in turn; `ups` lists what was started. */
function hosts(opts: { target: number[]; from?: number[]; fromGate: 0 | 0.5 | 1; targetGate?: 0 | 0.5 | 1 }) {
  const ups: string[] = [];
  const up = (id: string, codes: number[]) => async () => {
    ups.push(id);
    const code = codes.shift();
    if (code === undefined) throw new Error(`${id} started more often than the test expects`);
    return { code, stdout: '', stderr: code ? `${id}: port is already allocated` : '' };
  };
  const started = opts.target[0] === 0;
  const input: FallBackInput = {
    // The target's first up already ran (and was gated) before the fallback.
    target: {
      id: 'T',
      started,
      gate: started ? gate(opts.targetGate ?? 0) : undefined,
      up: up('T', opts.target.slice(1)),
    },
    from: opts.from ? { id: 'F', up: up('F', opts.from) } : undefined,
    gate: async () => gate(opts.fromGate),
    say: () => {},
  };
  return { input, ups };
}

describe('after the rollback target failed', () => {
  it('leaves the from-release when it is back and healthy', async () => {
    const h = hosts({ target: [0], from: [0], fromGate: 1 });
    const left = await fallBack(h.input);
    expect(left.running).toBe('F');
    expect(left.why).toBe('F is back and healthy');
    expect(h.ups).toEqual(['F']);
  });

  it('starts the target again when neither is healthy and it answered better, and says so', async () => {
    const h = hosts({ target: [0, 0], from: [0], fromGate: 0, targetGate: 0.5 });
    const left = await fallBack(h.input);
    expect(left.running).toBe('T');
    expect(left.why).toBe('F is not healthy either: not healthy (0); left on T, which answered better');
    expect(h.ups).toEqual(['F', 'T']);
  });

  it('keeps the from-release when it answered at least as well', async () => {
    const h = hosts({ target: [0], from: [0], fromGate: 0.5, targetGate: 0.5 });
    const left = await fallBack(h.input);
    expect(left.running).toBe('F');
    expect(left.why).toContain('left on F, which answered at least as well');
    expect(h.ups).toEqual(['F']);
  });

  it('puts the from-release back up when starting the better target again fails', async () => {
    const h = hosts({ target: [0, 1], from: [0, 0], fromGate: 0, targetGate: 0.5 });
    const left = await fallBack(h.input);
    expect(left.running).toBe('F');
    expect(left.why).toContain('starting T again failed: T: port is already allocated; left on F');
    expect(h.ups).toEqual(['F', 'T', 'F']);
  });

  it('starts the target again when the from-release cannot start, and reports nothing when that fails too', async () => {
    const ok = hosts({ target: [0, 0], from: [1], fromGate: 1 });
    const left = await fallBack(ok.input);
    expect(left.running).toBe('T');
    expect(left.why).toBe('F could not start: F: port is already allocated; left on T, which answered better');
    expect(left.restoreGate).toBeUndefined();

    const neither = hosts({ target: [0, 1], from: [1], fromGate: 1 });
    const none = await fallBack(neither.input);
    expect(none.running).toBeUndefined();
    expect(none.why).toMatch(/starting T again failed: .*; nothing runs$/);
  });

  it('keeps the from-release whatever it answered when the target never started', async () => {
    const unhealthy = await fallBack(hosts({ target: [1], from: [0], fromGate: 0 }).input);
    expect(unhealthy.running).toBe('F');
    const neither = hosts({ target: [1], from: [1], fromGate: 1 });
    const none = await fallBack(neither.input);
    expect(none.running).toBeUndefined();
    expect(none.why).toContain('neither release could start: nothing runs');
    expect(neither.ups).toEqual(['F']);
  });

  it('leaves the target running when there is nothing to go back to, if it started', async () => {
    expect((await fallBack(hosts({ target: [0], fromGate: 1 }).input)).running).toBe('T');
    expect((await fallBack(hosts({ target: [1], fromGate: 1 }).input)).running).toBeUndefined();
  });
});
