// Shared by the database backup tests: the backup test image deployed beside a database service
// that keeps its data in a named volume, and the checks every database backup and restore makes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ActionRun } from '../harness/runAction.js';
import type { SandboxInfo } from '../sandbox/Sandbox.js';
import { ensureHostTools } from './backupKit.js';
import { deploy, visibleLog, type TestApp } from './deployKit.js';
import { watchProcesses } from './processWatch.js';
import { backupTestImage, sandboxInfo, type SuiteApps } from './sandboxSuite.js';

export interface ServiceSpec {
  name: string;
  image: string;
  environment?: Record<string, string>;
  volume: string;
  /** Where the service keeps its data: /data by default, as the FROM-scratch images do. */
  mountAt?: string;
}

/**
 * Deploys the test web image beside one more service (a database, say), which keeps its data in
 * a named volume: the compose project a database backup test works on.
 */
export async function deployWithService(
  info: SandboxInfo,
  app: TestApp,
  webImage: string,
  service: ServiceSpec,
): Promise<void> {
  // YAML single quotes: a value arrives as written, quotes and backslashes included.
  const env = Object.entries(service.environment ?? {}).map(([k, v]) => `      ${k}: '${v.replace(/'/g, "''")}'`);
  writeFileSync(
    join(app.workspace, 'docker-compose.yml'),
    [
      'version: "3.8"',
      'services:',
      '  web:',
      '    image: ${IMAGE}',
      '    ports:',
      `      - "127.0.0.1:${app.port}:8080"`,
      `  ${service.name}:`,
      `    image: ${service.image}`,
      ...(env.length ? ['    environment:', ...env] : []),
      '    volumes:',
      `      - ${service.volume}:${service.mountAt ?? '/data'}`,
      'volumes:',
      `  ${service.volume}: {}`,
      '',
    ].join('\n'),
  );
  const d = await deploy(info, app, webImage);
  expect(d.exitCode, visibleLog(d)).toBe(0);
}

/**
 * A new app of the suite with the backup test image deployed beside `service`; the runner gets the
 * tools the tests read dumps with (zstd, age).
 */
export async function appWithService(apps: SuiteApps, prefix: string, service: ServiceSpec): Promise<TestApp> {
  const info = sandboxInfo();
  ensureHostTools();
  const web = await backupTestImage(info);
  const app = await apps.app(prefix);
  await deployWithService(info, app, web.ref, service);
  return app;
}

/**
 * The one archive of a database backup, checked against `expected` (kind database and what the
 * test names); returns its file and its path on the app's host.
 */
export function databaseArchive(
  backup: ActionRun,
  app: TestApp,
  expected: Record<string, unknown>,
): { file: string; dump: string } {
  const m = JSON.parse(backup.outputs.manifest!);
  expect(m.archives).toHaveLength(1);
  expect(m.archives[0]).toMatchObject({ kind: 'database', ...expected });
  const file = m.archives[0].file as string;
  return { file, dump: `${app.root}/backups/${backup.outputs['backup-id']}/${file}` };
}

/** A restore says in its outputs that it restored the database `name`, from `file`, alone. */
export function expectDatabaseRestored(restore: ActionRun, name: string, file: string): void {
  expect(JSON.parse(restore.outputs.restored!)).toEqual([{ kind: 'database', name, file }]);
}

/**
 * Runs an action while every process's argv on this machine is watched for `secret`: the
 * runner's, and the servers' with their containers (they run under this machine's kernel, in
 * child PID namespaces, so /proc here lists them too). Returns the run and the leaking argvs.
 */
export async function watchedFor(
  secret: string,
  run: () => Promise<ActionRun>,
): Promise<{ run: ActionRun; leaks: string[] }> {
  const leaks = new Set<string>();
  const watch = watchProcesses(({ args }) => {
    if (args.includes(secret)) leaks.add(args.replace(/\0/g, ' '));
  });
  try {
    return { run: await run(), leaks: [...leaks] };
  } finally {
    watch.stop();
  }
}
