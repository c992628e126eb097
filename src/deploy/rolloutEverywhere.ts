// The rollout step that the deploy and the rollback share: every host at once, and a host whose
// rollout threw still reports, as failed with the reason, next to the others.

/** A host's part of the run, with the result it fills in as it goes. */
export interface HostRun<R> {
  readonly result: R;
  rollout(): Promise<R>;
}

interface MayFail {
  status: string;
  reason?: string;
}

export async function rolloutEverywhere<R extends MayFail>(runs: HostRun<R>[]): Promise<R[]> {
  const settled = await Promise.allSettled(runs.map((r) => r.rollout()));
  return settled.map((s, i) => {
    if (s.status === 'fulfilled') return s.value;
    const r = runs[i]!.result;
    (r as MayFail).status = 'failed';
    r.reason = (s.reason as Error).message;
    return r;
  });
}
