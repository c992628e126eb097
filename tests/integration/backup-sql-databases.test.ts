// A real MariaDB and a real PostgreSQL 15 service (images built from Debian's packages,
// tests/sandbox/MariadbImage.ts and PostgresImage.ts) are dumped by actions/backup, their table
// dropped, and actions/restore puts the rows back. MariaDB's root password is set through the
// compose file: it rides on no command line and shows in no log, and the grant tables come back.
import { randomBytes } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { ActionRun } from '../harness/runAction.js';
import { ensureMariadbImage } from '../sandbox/MariadbImage.js';
import { ensurePostgresImage } from '../sandbox/PostgresImage.js';
import { asSandboxUser, type SandboxInfo } from '../sandbox/Sandbox.js';
import { backupAction, restoreAction, waitUntil } from '../support/backupKit.js';
import { serviceContainerIds } from '../support/appData.js';
import {
  appWithService,
  databaseArchive,
  expectDatabaseRestored,
  watchedFor,
  type ServiceSpec,
} from '../support/databaseKit.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { describeEachOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

// A quote and a backslash, so the password survives only if nothing re-quotes it.
const marker = `njord-mysql-pw-${randomBytes(6).toString('hex')}`;
const password = `${marker} it's \\ ok`;

/** What differs between the two engines; the test below is the same for both. */
interface SqlEngine {
  name: string;
  engine: 'mysql' | 'postgres';
  prefix: string;
  test: string;
  image: (info: SandboxInfo) => Promise<string>;
  service: Omit<ServiceSpec, 'name' | 'image'>;
  /** The client in the db container, reading SQL on stdin. */
  client: string;
  /** Every row of orders, in one hash, with the count. */
  fingerprint: string;
  /** 5,000 generated orders and one with quotes and unicode. */
  orders: string[];
  drop: string;
  ordersGone: RegExp;
  junkGone: RegExp;
  database: Record<string, string>;
  /** grep patterns: the dump creates the database; the safety dump holds the junk table. */
  createsDatabase: string;
  junkInSafety: string;
  /** A secret the engine is given, which must show in no argv, log, summary, output or dump. */
  secret?: string;
  /** Checks after the drop and after the restore, beyond the rows. */
  afterDrop?: (sql: (text: string) => string, app: TestApp) => void;
  afterRestore?: (sql: (text: string) => string, app: TestApp) => void;
}

/** A login as the MariaDB account `late` (made after the backup). */
const loginAsLate = (app: TestApp) =>
  asSandboxUser(
    `docker exec -e MYSQL_PWD=late-pw $(${serviceContainerIds(app, 'db')}) mariadb -ulate -N -B -e 'SELECT 1'`,
  ).trim();

const engines: SqlEngine[] = [
  {
    name: 'MariaDB',
    engine: 'mysql',
    prefix: 'bk-mysql',
    test: 'dumps every database, and restores the rows after the table was dropped, the password never shown',
    image: ensureMariadbImage,
    service: {
      environment: { MARIADB_ROOT_PASSWORD: password, MARIADB_DATABASE: 'shop' },
      volume: 'dbdata',
      mountAt: '/var/lib/mysql',
    },
    client: `sh -c 'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb -uroot -N -B shop'`,
    fingerprint:
      "SET SESSION group_concat_max_len = 100000000; SELECT CONCAT(COUNT(*), ' ', MD5(GROUP_CONCAT(CONCAT_WS(',', id, item, amount, placed) ORDER BY id SEPARATOR '|'))) FROM orders;",
    orders: [
      'CREATE TABLE orders (id int PRIMARY KEY, item varchar(200) NOT NULL, amount decimal(10,2), placed datetime) CHARACTER SET utf8mb4;',
      "INSERT INTO orders SELECT seq, CONCAT('item ', seq), seq * 1.25, '2026-01-01' + INTERVAL seq HOUR FROM seq_1_to_5000;",
      "INSERT INTO orders VALUES (9999, 'quotes '' \" \\\\ and unicode ✓ €', 0.01, NOW());",
    ],
    drop: "DROP TABLE orders; CREATE TABLE junk (x int); INSERT INTO junk VALUES (1); CREATE USER late@localhost IDENTIFIED BY 'late-pw';",
    ordersGone: /Table 'shop.orders' doesn't exist/,
    junkGone: /Table 'shop.junk' doesn't exist/,
    database: { service: 'db', engine: 'mysql' },
    createsDatabase: 'CREATE DATABASE .*`shop`',
    junkInSafety: 'CREATE TABLE `junk`',
    secret: marker,
    afterDrop: (_sql, app) => expect(loginAsLate(app)).toBe('1'),
    // The restored grant tables are in force: root's password still logs in, an account made since does not.
    afterRestore: (sql, app) => {
      expect(sql('SELECT CURRENT_USER();')).toBe('root@localhost');
      expect(() => loginAsLate(app)).toThrow(/Access denied for user 'late'@'localhost'/);
    },
  },
  {
    name: 'PostgreSQL',
    engine: 'postgres',
    prefix: 'bk-pg',
    test: 'dumps the database, and restores its rows after the table was dropped',
    image: ensurePostgresImage,
    service: {
      environment: { POSTGRES_USER: 'shop', POSTGRES_DB: 'shop' },
      volume: 'pgdata',
      mountAt: '/var/lib/postgresql/data',
    },
    client: 'psql -X -q -t -A -v ON_ERROR_STOP=1 -U shop -d shop',
    fingerprint: `SELECT count(*) || ' ' || md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o;`,
    orders: [
      'CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL, amount numeric(10,2), placed timestamptz);',
      "INSERT INTO orders SELECT g, 'item ' || g, g * 1.25, '2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 5000) g;",
      "INSERT INTO orders VALUES (9999, 'quotes '' \" and unicode ✓ €', 0.01, now());",
    ],
    drop: 'DROP TABLE orders; CREATE TABLE junk (x int); INSERT INTO junk VALUES (1);',
    ordersGone: /relation "orders" does not exist/,
    junkGone: /relation "junk" does not exist/,
    database: { service: 'db', engine: 'postgres', target: 'shop' },
    createsDatabase: 'CREATE DATABASE shop',
    junkInSafety: 'CREATE TABLE public.junk',
  },
];

describeEachOnSandbox(engines, 'backup and restore of $name', (db) => {
  const apps = suiteApps();
  const info = sandboxInfo();
  let app: TestApp;

  const sql = (text: string) =>
    asSandboxUser(`docker exec -i $(${serviceContainerIds(app, 'db')}) ${db.client}`, { input: text }).trim();
  const ordersFingerprint = () => sql(db.fingerprint);

  /** Runs an action that must pass; with a secret, the secret shows in no argv and nothing the user sees. */
  async function passes(action: () => Promise<ActionRun>): Promise<ActionRun> {
    if (!db.secret) {
      const run = await action();
      expect(run.exitCode, visibleLog(run)).toBe(0);
      return run;
    }
    const { run, leaks } = await watchedFor(db.secret, action);
    expect(run.exitCode, visibleLog(run)).toBe(0);
    expect(leaks).toEqual([]);
    const seenByUser = [visibleLog(run), run.summary, Object.values(run.outputs).join('\n')].join('\n');
    expect(seenByUser).not.toContain(db.secret);
    return run;
  }

  beforeAll(async () => {
    const image = await db.image(info);
    app = await appWithService(apps, db.prefix, { name: 'db', image, ...db.service });
    await waitUntil(db.name, 60_000, () => sql('SELECT 1;') === '1');
  });

  it(db.test, async () => {
    sql(db.orders.join('\n'));
    const before = ordersFingerprint();
    expect(before).toMatch(/^5001 [0-9a-f]{32}$/);

    const b = await passes(() =>
      backupAction(info, app, { volumes: 'none', databases: `db: ${db.engine}`, compression: 'zstd' }),
    );
    const { file, dump } = databaseArchive(b, app, { name: 'db', database: db.database, compression: 'zstd' });
    expect(dump).toMatch(new RegExp(`database-db-${db.engine}\\.sql\\.zst$`));
    expect(onHost(`zstd -dc < ${dump} | grep -c '${db.createsDatabase}'`)).toBe('1');
    if (db.secret) expect(onHost(`zstd -dc < ${dump} | grep -cF -- '${db.secret}' || true`)).toBe('0');

    sql(db.drop);
    db.afterDrop?.(sql, app);
    expect(() => ordersFingerprint()).toThrow(db.ordersGone);

    const r = await passes(() => restoreAction(info, app, { 'backup-id': b.outputs['backup-id']!, databases: 'db' }));
    expectDatabaseRestored(r, 'db', file);
    expect(ordersFingerprint()).toBe(before);
    expect(() => sql('SELECT * FROM junk;')).toThrow(db.junkGone);
    db.afterRestore?.(sql, app);
    expect(r.summary).toMatch(/\| restored \| .* \| database db \| .*-pre-restore \| – \|/);
    // The safety backup holds the state it replaced: the junk table.
    const safety = `${app.root}/backups/${r.outputs['safety-backup-id']}`;
    expect(onHost(`zstd -dc < ${safety}/database-db-${db.engine}.sql.zst | grep -c '${db.junkInSafety}'`)).toBe('1');
  });
});
