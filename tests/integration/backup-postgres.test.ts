// A real PostgreSQL 15 service (image built from Debian's packages, tests/sandbox/PostgresImage.ts)
// is dumped by actions/backup, its table dropped, and actions/restore puts the rows back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensurePostgresImage } from '../sandbox/PostgresImage.js';
import { asSandboxUser, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import { newApp, onHost, removeApp, visibleLog, type TestApp } from '../support/deployKit.js';
import {
  backupAction,
  deployWithService,
  ensureHostTools,
  restoreAction,
  serviceContainerIds,
  waitUntil,
} from '../support/backupKit.js';
import { backupTestImage, describeOnSandbox, sandboxInfo } from '../support/sandboxSuite.js';

describeOnSandbox('backup and restore of PostgreSQL', () => {
  let info: SandboxInfo;
  let web: TestImage;
  let pg: string;
  let app: TestApp;

  const psql = (sql: string) =>
    asSandboxUser(
      `docker exec -i $(${serviceContainerIds(app, 'db')}) psql -X -q -t -A -v ON_ERROR_STOP=1 -U shop -d shop`,
      { input: sql },
    ).trim();

  /** Every row of orders, in one hash, with the count. */
  const ordersFingerprint = () =>
    psql(`SELECT count(*) || ' ' || md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o;`);

  beforeAll(async () => {
    info = sandboxInfo();
    ensureHostTools();
    web = await backupTestImage(info);
    pg = await ensurePostgresImage(info);
    app = await newApp(info, 'bk-pg');
    await deployWithService(info, app, web.ref, {
      name: 'db',
      image: pg,
      environment: { POSTGRES_USER: 'shop', POSTGRES_DB: 'shop' },
      volume: 'pgdata',
      mountAt: '/var/lib/postgresql/data',
    });
    await waitUntil('PostgreSQL', 60_000, () => psql('SELECT 1;') === '1');
  });

  afterAll(() => app && removeApp(app));

  it('dumps the database, and restores its rows after the table was dropped', async () => {
    psql(
      [
        'CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, amount numeric(10,2), placed timestamptz);',
        "INSERT INTO orders SELECT g, 'item ' || g, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 5000) g;",
        "INSERT INTO orders VALUES (9999, 'quotes '' \" and unicode ✓ €', 0.01, now());",
      ].join('\n'),
    );
    const before = ordersFingerprint();
    expect(before).toMatch(/^5001 [0-9a-f]{32}$/);

    const b = await backupAction(info, app, { volumes: 'none', databases: 'db: postgres', compression: 'zstd' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const m = JSON.parse(b.outputs.manifest!);
    expect(m.archives).toHaveLength(1);
    expect(m.archives[0]).toMatchObject({
      kind: 'database',
      name: 'db',
      database: { service: 'db', engine: 'postgres', target: 'shop' },
      compression: 'zstd',
    });
    const dump = `${app.root}/backups/${b.outputs['backup-id']}/${m.archives[0].file}`;
    expect(dump).toMatch(/database-db-postgres\.sql\.zst$/);
    expect(onHost(`zstd -dc < ${dump} | grep -c 'CREATE DATABASE shop'`)).toBe('1');

    psql('DROP TABLE orders; CREATE TABLE junk (x int); INSERT INTO junk VALUES (1);');
    expect(() => ordersFingerprint()).toThrow(/relation "orders" does not exist/);

    const r = await restoreAction(info, app, { 'backup-id': b.outputs['backup-id']!, databases: 'db' });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(ordersFingerprint()).toBe(before);
    expect(() => psql('SELECT * FROM junk;')).toThrow(/relation "junk" does not exist/);
    // web does not use the database's volume, and the database loads its dump running: none stopped.
    expect(JSON.parse(r.outputs.restored!)).toEqual([{ kind: 'database', name: 'db', file: m.archives[0].file }]);
    expect(r.summary).toMatch(/\| restored \| .* \| database db \| .*-pre-restore \| – \|/);
    // The safety backup holds the state it replaced: the junk table.
    const safety = `${app.root}/backups/${r.outputs['safety-backup-id']}`;
    expect(onHost(`zstd -dc < ${safety}/database-db-postgres.sql.zst | grep -c 'CREATE TABLE public.junk'`)).toBe('1');
  });
});
