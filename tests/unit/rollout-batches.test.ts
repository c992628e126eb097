// The `rollout` input, the batches it makes, and the walk through them: where a failed host stops
// the run, which hosts go back and which are let go untouched.
import { describe, expect, it } from 'vitest';
import { parseRollout, planBatches, type RolloutSpec } from '../../src/deploy/RolloutBatches.js';
import { rolloutInBatches, type BatchedRun } from '../../src/deploy/rolloutInBatches.js';
import { rolloutSection } from '../../src/report/RolloutReport.js';
import { RunSummary } from '../../src/report/SummaryMarkdown.js';

describe('rollout input', () => {
  it('reads parallel, serial, a count and a share', () => {
    expect(parseRollout('')).toEqual({ kind: 'parallel' });
    expect(parseRollout(' Parallel ')).toEqual({ kind: 'parallel' });
    expect(parseRollout('serial')).toEqual({ kind: 'hosts', perBatch: 1, text: 'serial' });
    expect(parseRollout('2')).toEqual({ kind: 'hosts', perBatch: 2, text: '2' });
    expect(parseRollout('25%')).toEqual({ kind: 'share', percent: 25, text: '25%' });
  });

  it.each(['0', '-1', '0%', '101%', 'fast', '2 hosts', '1.5', '%'])('refuses %j, naming the input', (raw) => {
    expect(() => parseRollout(raw)).toThrow(
      `Input 'rollout': '${raw}' is not a rollout: use parallel (all hosts at once), serial (one host at a time), a number of hosts per batch (2), or a share of the hosts per batch (25%)`,
    );
  });
});

describe('batches', () => {
  const plan = (n: number, raw: string) => planBatches(n, parseRollout(raw));

  it('parallel is one batch of every host', () => {
    expect(plan(4, 'parallel')).toEqual([[0, 1, 2, 3]]);
    expect(plan(0, 'serial')).toEqual([]);
  });

  it('starts with a one-host canary, then batches of the size asked for', () => {
    expect(plan(4, 'serial')).toEqual([[0], [1], [2], [3]]);
    expect(plan(4, '2')).toEqual([[0], [1, 2], [3]]);
    expect(plan(5, '2')).toEqual([[0], [1, 2], [3, 4]]);
    expect(plan(3, '10')).toEqual([[0], [1, 2]]);
    expect(plan(1, '2')).toEqual([[0]]);
  });

  it('a share is of all the hosts, rounded up, at least one', () => {
    expect(plan(8, '25%')).toEqual([[0], [1, 2], [3, 4], [5, 6], [7]]);
    expect(plan(4, '10%')).toEqual([[0], [1], [2], [3]]);
    expect(plan(3, '50%')).toEqual([[0], [1, 2]]);
    expect(plan(4, '100%')).toEqual([[0], [1, 2, 3]]);
  });
});

interface Result {
  host: string;
  status: string;
  reason?: string;
}

/** A host whose rollout ends as told, recording what was asked of it. */
class FakeHost implements BatchedRun<Result> {
  readonly result: Result;
  readonly session: { spec: { label: string } };
  readonly calls: string[] = [];

  constructor(
    label: string,
    private readonly ends: 'deployed' | 'rolled-back' | 'throws',
    private readonly log: string[],
  ) {
    this.session = { spec: { label } };
    this.result = { host: label, status: 'failed' };
  }

  async rollout(): Promise<Result> {
    this.log.push(`start ${this.result.host}`);
    await new Promise((r) => setTimeout(r, 5));
    if (this.ends === 'throws') throw new Error('connection lost');
    this.result.status = this.ends;
    return this.result;
  }

  async abandon(): Promise<void> {
    this.log.push(`abandon ${this.result.host}`);
  }
}

async function walk(ends: FakeHost['ends'][], spec: RolloutSpec) {
  const log: string[] = [];
  const hosts = ends.map((e, i) => new FakeHost(`host-${i + 1}`, e, log));
  const outcome = await rolloutInBatches(hosts, spec, {
    passed: (r) => r.status === 'deployed',
    untouched: (r) => {
      r.status = 'unchanged';
    },
    goBack: async (runs, stoppedBy) => {
      log.push(`go back ${runs.map((r) => r.result.host).join(' ')} (stopped by ${stoppedBy})`);
      for (const r of runs) r.result.status = 'rolled-back';
    },
  });
  return { log, outcome };
}

describe('walking the batches', () => {
  it('a serial rollout stops at the failed host: the hosts before go back, the one after is let go', async () => {
    const { log, outcome } = await walk(['deployed', 'deployed', 'rolled-back', 'deployed'], parseRollout('serial'));
    expect(log).toEqual([
      'start host-1',
      'start host-2',
      'start host-3',
      'abandon host-4',
      'go back host-1 host-2 (stopped by host-3)',
    ]);
    expect(outcome.results.map((r) => r.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back', 'unchanged']);
    const record = outcome.record!;
    expect(record.stoppedBy).toBe('host-3');
    expect(record.paths.map((p) => p.path)).toEqual([
      'switched, then back',
      'switched, then back',
      'rolled back',
      'untouched',
    ]);
    expect(record.batches.map((b) => b.result)).toEqual(['passed', 'passed', 'stopped', 'not started']);
    expect(record.goingBackMs).toBeGreaterThanOrEqual(0);
  });

  it('a host whose rollout threw stops the run as failed; its batch-mates that passed go back', async () => {
    const { log, outcome } = await walk(['deployed', 'deployed', 'throws', 'deployed'], parseRollout('2'));
    expect(log.slice(0, 3)).toEqual(['start host-1', 'start host-2', 'start host-3']);
    expect(log.slice(3)).toEqual(['abandon host-4', 'go back host-1 host-2 (stopped by host-3)']);
    expect(outcome.results[2]).toEqual({ host: 'host-3', status: 'failed', reason: 'connection lost' });
    expect(outcome.record!.batches.map((b) => b.hosts)).toEqual([['host-1'], ['host-2', 'host-3'], ['host-4']]);
  });

  it('a good release switches every batch, in order', async () => {
    const { log, outcome } = await walk(['deployed', 'deployed', 'deployed', 'deployed'], parseRollout('2'));
    expect(log).toEqual(['start host-1', 'start host-2', 'start host-3', 'start host-4']);
    expect(outcome.record!.paths.every((p) => p.path === 'switched')).toBe(true);
    expect(outcome.record!.stoppedBy).toBeUndefined();
  });

  it('parallel keeps the run as it was: no batches to report', async () => {
    const { outcome } = await walk(['deployed', 'rolled-back'], parseRollout('parallel'));
    expect(outcome.record).toBeUndefined();
    expect(outcome.results.map((r) => r.status)).toEqual(['deployed', 'rolled-back']);
  });

  it('the run page shows each batch, each host path, and where it stopped', async () => {
    const { outcome } = await walk(['deployed', 'deployed', 'rolled-back', 'deployed'], parseRollout('serial'));
    const s = new RunSummary('Deploy shop');
    rolloutSection(s, outcome.record);
    const md = s.markdown();
    expect(md).toMatch(
      /\*\*Rollout\*\*: serial, 4 batches — stopped at \*\*host-3\*\*; the hosts switched before it went back in \d+ ms\./,
    );
    expect(md).toMatch(/\| 1 \(canary\) \| host-1: switched, then back \| ✓ passed \| \d+ ms \|/);
    expect(md).toMatch(/\| 3 \| host-3: rolled back \| ✗ stopped the rollout \| \d+ ms \|/);
    expect(md).toContain('| 4 | host-4: untouched | not started | – |');
  });
});
