// Runs a reusable workflow of this repository (.github/workflows/*.yml, on: workflow_call) as the
// runner would, from the file itself: jobs in `needs` order, each step's `if:` and `with:`
// evaluated (and its env:), this repository's actions (`njord/deploy/actions/x@v1`, `njord/deploy@v1`) run from
// their bundled dist through the harness, job and workflow outputs collected. actions/checkout is
// the given workspace (the caller's repository, already there); actions/download-artifact writes
// the files of one of the given artifacts (what an upload stored) into its path. Any other step
// fails the run, so nothing in the workflow goes unexercised unnoticed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, runAction, type ActionRun } from '../harness/runAction.js';
import { asString, condition, interpolate, type Contexts, type Value } from './workflowExpressions.js';

export interface WorkflowCall {
  inputs: Record<string, string | boolean>;
  secrets: Record<string, string>;
  /** The caller's checkout. */
  workspace: string;
  /** The runner's variables (GITHUB_SHA, GITHUB_TOKEN, GITHUB_API_URL, …), as the harness takes them. */
  env: Record<string, string>;
  /** Workflow artifacts by name: their files, for actions/download-artifact steps. */
  artifacts?: Record<string, Map<string, Buffer>>;
}

export interface StepRecord {
  job: string;
  id?: string;
  name: string;
  uses: string;
  /** skipped: its if: was false (or an earlier step failed). */
  result: 'success' | 'failure' | 'skipped';
  inputs?: Record<string, string>;
  run?: ActionRun;
}

export interface WorkflowResult {
  steps: StepRecord[];
  jobs: Record<string, { result: 'success' | 'failure' | 'skipped'; outputs: Record<string, string> }>;
  outputs: Record<string, string>;
  /** The named step's record (by id or name); throws when it is not in the run. */
  step(idOrName: string): StepRecord;
}

type Yaml = Record<string, unknown>;

/** `njord/deploy/actions/x@v1` → actions/x, `njord/deploy@v1` → '.'; undefined for other actions. */
export function ownActionDir(uses: string): string | undefined {
  const m = /^njord\/deploy(\/actions\/[a-z-]+)?@v\d+$/.exec(uses);
  if (!m) return undefined;
  return m[1] ? m[1].slice(1) : '.';
}

function jobOrder(jobs: Record<string, Yaml>): string[] {
  const done: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (done.includes(id)) return;
    if (path.includes(id)) throw new Error(`workflow: jobs need each other: ${[...path, id].join(' → ')}`);
    const needs = jobs[id]!.needs;
    for (const n of typeof needs === 'string' ? [needs] : ((needs as string[] | undefined) ?? []))
      visit(n, [...path, id]);
    done.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id, []);
  return done;
}

export async function runWorkflow(file: string, call: WorkflowCall): Promise<WorkflowResult> {
  const wf = parse(readFileSync(join(repoRoot, file), 'utf8')) as Yaml;
  const spec = (wf.on as Yaml).workflow_call as Yaml;
  const declared = (spec.inputs ?? {}) as Record<string, { type: string; required?: boolean; default?: unknown }>;
  const inputs: Record<string, Value> = {};
  for (const [name, d] of Object.entries(declared)) {
    const given = call.inputs[name];
    if (given === undefined && d.required) throw new Error(`workflow: input '${name}' is required`);
    const v = given ?? (d.default as Value | undefined) ?? (d.type === 'boolean' ? false : '');
    if (d.type === 'boolean' && typeof v !== 'boolean') throw new Error(`workflow: input '${name}' is a boolean`);
    inputs[name] = v;
  }
  for (const name of Object.keys(call.inputs))
    if (!(name in declared)) throw new Error(`workflow: ${file} has no input '${name}'`);
  const declaredSecrets = (spec.secrets ?? {}) as Record<string, { required?: boolean } | null>;
  for (const [name, d] of Object.entries(declaredSecrets))
    if (d?.required && !call.secrets[name]) throw new Error(`workflow: secret '${name}' is required`);

  const env = call.env;
  const repository = env.GITHUB_REPOSITORY ?? 'acme/shop';
  const github: Value = {
    token: env.GITHUB_TOKEN ?? '',
    actor: env.GITHUB_ACTOR ?? 'octocat',
    repository,
    repository_owner: repository.split('/')[0]!,
    sha: env.GITHUB_SHA ?? '',
    run_id: env.GITHUB_RUN_ID ?? '1001',
    ref: env.GITHUB_REF ?? 'refs/heads/main',
    event_name: env.GITHUB_EVENT_NAME ?? 'push',
    event: { repository: { name: repository.split('/')[1]! } },
  };
  const jobs = (wf.jobs ?? {}) as Record<string, Yaml>;
  const steps: StepRecord[] = [];
  const jobResults: WorkflowResult['jobs'] = {};

  for (const jobId of jobOrder(jobs)) {
    const job = jobs[jobId]!;
    const needsList = typeof job.needs === 'string' ? [job.needs] : ((job.needs as string[] | undefined) ?? []);
    const needs: Record<string, Value> = {};
    for (const n of needsList) needs[n] = { result: jobResults[n]!.result, outputs: jobResults[n]!.outputs };
    const base: Contexts = { inputs, secrets: call.secrets, github, needs, vars: {}, env: {} };
    const upstreamOk = needsList.every((n) => jobResults[n]!.result === 'success');
    if (!condition(job.if, base, { success: () => upstreamOk, failure: () => !upstreamOk })) {
      jobResults[jobId] = { result: 'skipped', outputs: {} };
      continue;
    }
    const stepCtx: Record<string, Value> = {};
    let failed = false;
    for (const [i, step] of ((job.steps ?? []) as Yaml[]).entries()) {
      const uses = String(step.uses ?? '');
      const id = step.id as string | undefined;
      const record: StepRecord = { job: jobId, id, name: String(step.name ?? uses), uses, result: 'skipped' };
      steps.push(record);
      const ctx: Contexts = { ...base, steps: stepCtx };
      if (!condition(step.if, ctx, { success: () => !failed, failure: () => failed })) continue;
      if (/^actions\/checkout@/.test(uses)) {
        record.result = 'success';
        continue;
      }
      if (/^actions\/download-artifact@/.test(uses)) {
        const w = (step.with ?? {}) as Yaml;
        const name = asString(interpolate(w.name, ctx));
        record.inputs = { name, path: asString(interpolate(w.path, ctx)) };
        const files = call.artifacts?.[name];
        // As the action does: a missing artifact fails the step.
        if (!files) {
          record.result = 'failure';
          failed = true;
          continue;
        }
        const to = resolve(call.workspace, record.inputs.path || '.');
        mkdirSync(to, { recursive: true });
        for (const [f, bytes] of files) writeFileSync(join(to, f), bytes);
        record.result = 'success';
        continue;
      }
      const dir = ownActionDir(uses);
      if (!dir) throw new Error(`workflow: ${jobId} step ${i + 1}: the test runner cannot run '${uses || 'run:'}'`);
      const given: Record<string, string> = {};
      for (const [k, v] of Object.entries((step.with ?? {}) as Yaml)) given[k] = asString(interpolate(v, ctx));
      record.inputs = given;
      // A step's own env: adds to the runner's variables for that step.
      const stepEnv = { ...env };
      for (const [k, v] of Object.entries((step.env ?? {}) as Yaml)) stepEnv[k] = asString(interpolate(v, ctx));
      const run = await runAction(dir, given, { workspace: call.workspace, env: stepEnv });
      record.run = run;
      record.result = run.exitCode === 0 ? 'success' : 'failure';
      if (run.exitCode !== 0) failed = true;
      if (id) stepCtx[id] = { outputs: run.outputs, outcome: record.result, conclusion: record.result };
    }
    const outputs: Record<string, string> = {};
    for (const [k, v] of Object.entries((job.outputs ?? {}) as Record<string, string>))
      outputs[k] = asString(interpolate(v, { ...base, steps: stepCtx }));
    jobResults[jobId] = { result: failed ? 'failure' : 'success', outputs };
  }

  const outputs: Record<string, string> = {};
  const jobsCtx: Value = Object.fromEntries(
    Object.entries(jobResults).map(([k, v]) => [k, { result: v.result, outputs: v.outputs }]),
  );
  for (const [k, o] of Object.entries((spec.outputs ?? {}) as Record<string, { value: string }>))
    outputs[k] = asString(interpolate(o.value, { jobs: jobsCtx, inputs }));
  return {
    steps,
    jobs: jobResults,
    outputs,
    step(idOrName) {
      const found = steps.find((s) => s.id === idOrName || s.name === idOrName);
      if (!found)
        throw new Error(`workflow: no step '${idOrName}' (steps: ${steps.map((s) => s.id ?? s.name).join(', ')})`);
      return found;
    },
  };
}
