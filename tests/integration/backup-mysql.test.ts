// A real MariaDB service (image built from Debian's packages, tests/sandbox/MariadbImage.ts), its
// root password set through the compose file, is dumped by actions/backup, its table dropped, and
// actions/restore puts the rows back. The password rides on no command line and shows in no log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureMariadbImage } from '../sandbox/MariadbImage.js';
import { asSandboxUser, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import { newApp, onHost, removeApp, visibleLog, type TestApp } from '../support/deployKit.js';
import { watchProcesses } from '../support/processWatch.js';
import type { ActionRun } from '../harness/runAction.js';
import {
  backupAction,
  deployWithService,
  ensureHostTools,
  restoreAction,
  serviceContainerIds,
  waitUntil,
} from '../support/backupKit.js';
import { backupTestImage, describeOnSandbox, sandboxInfo } from '../support/sandboxSuite.js';

describeOnSandbox('backup and restore of MariaDB', () => {
  let info: SandboxInfo;
  let web: TestImage;
  let mariadb: string;
  let app: TestApp;
  // A quote and a backslash, so the password survives only if nothing re-quotes it.
  const marker = `njord-mysql-pw-${randomBytes(6).toString('hex')}`;
  const password = `${marker} it's \\ ok`;

  const dbContainer = () => `$(${serviceContainerIds(app, 'db')})`;

  /** SQL through the mariadb client in the db container, with the password from its environment. */
  const sql = (text: string) =>
    asSandboxUser(
      `docker exec -i ${dbContainer()} sh -c 'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb -uroot -N -B shop'`,
      { input: text },
    ).trim();

  /** A login as the account `late` (made after the backup). */
  const loginAsLate = () =>
    asSandboxUser(`docker exec -e MYSQL_PWD=late-pw ${dbContainer()} mariadb -ulate -N -B -e 'SELECT 1'`).trim();

  /** Every row of orders, in one hash, with the count. */
  const ordersFingerprint = () =>
    sql(
      "SET SESSION group_concat_max_len = 100000000; SELECT CONCAT(COUNT(*), ' ', MD5(GROUP_CONCAT(CONCAT_WS(',', id, item, amount, placed) ORDER BY id SEPARATOR '|'))) FROM orders;",
    );

  /**
   * Runs an action while every process's argv on this machine is watched for the password: the
   * runner's, and the servers' with their containers (they run under this machine's kernel, in
   * child PID namespaces, so /proc here lists them too).
   */
  async function watched(run: () => Promise<ActionRun>): Promise<{ run: ActionRun; leaks: string[] }> {
    const leaks = new Set<string>();
    const watch = watchProcesses(({ args }) => {
      if (args.includes(marker)) leaks.add(args.replace(/\0/g, ' '));
    });
    try {
      return { run: await run(), leaks: [...leaks] };
    } finally {
      watch.stop();
    }
  }

  const seenByUser = (r: ActionRun) => [visibleLog(r), r.summary, Object.values(r.outputs).join('\n')].join('\n');

  beforeAll(async () => {
    info = sandboxInfo();
    ensureHostTools();
    web = await backupTestImage(info);
    mariadb = await ensureMariadbImage(info);
    app = await newApp(info, 'bk-mysql');
    await deployWithService(info, app, web.ref, {
      name: 'db',
      image: mariadb,
      environment: { MARIADB_ROOT_PASSWORD: password, MARIADB_DATABASE: 'shop' },
      volume: 'dbdata',
      mountAt: '/var/lib/mysql',
    });
    await waitUntil('MariaDB', 60_000, () => sql('SELECT 1;') === '1');
  });

  afterAll(() => app && removeApp(app));

  it('dumps every database, and restores the rows after the table was dropped, the password never shown', async () => {
    sql(
      [
        'CREATE TABLE orders (id int PRIMARY KEY, item varchar(200) NOT NULL, amount decimal(10,2), placed datetime) CHARACTER SET utf8mb4;',
        "INSERT INTO orders SELECT seq, CONCAT('item ', seq), seq * 1.25, '2026-01-01' + INTERVAL seq HOUR FROM seq_1_to_5000;",
        "INSERT INTO orders VALUES (9999, 'quotes '' \" \\\\ and unicode ✓ €', 0.01, NOW());",
      ].join('\n'),
    );
    const before = ordersFingerprint();
    expect(before).toMatch(/^5001 [0-9a-f]{32}$/);

    const { run: b, leaks: backupLeaks } = await watched(() =>
      backupAction(info, app, { volumes: 'none', databases: 'db: mysql', compression: 'zstd' }),
    );
    expect(b.exitCode, visibleLog(b)).toBe(0);
    expect(backupLeaks).toEqual([]);
    expect(seenByUser(b)).not.toContain(marker);
    const m = JSON.parse(b.outputs.manifest!);
    expect(m.archives).toHaveLength(1);
    expect(m.archives[0]).toMatchObject({
      kind: 'database',
      name: 'db',
      database: { service: 'db', engine: 'mysql' },
      compression: 'zstd',
    });
    const dump = `${app.root}/backups/${b.outputs['backup-id']}/${m.archives[0].file}`;
    expect(dump).toMatch(/database-db-mysql\.sql\.zst$/);
    expect(onHost(`zstd -dc < ${dump} | grep -c 'CREATE DATABASE .*\`shop\`'`)).toBe('1');
    expect(onHost(`zstd -dc < ${dump} | grep -cF -- '${marker}' || true`)).toBe('0');

    sql(
      "DROP TABLE orders; CREATE TABLE junk (x int); INSERT INTO junk VALUES (1); CREATE USER late@localhost IDENTIFIED BY 'late-pw';",
    );
    expect(loginAsLate()).toBe('1');
    expect(() => ordersFingerprint()).toThrow(/Table 'shop.orders' doesn't exist/);

    const { run: r, leaks: restoreLeaks } = await watched(() =>
      restoreAction(info, app, { 'backup-id': b.outputs['backup-id']!, databases: 'db' }),
    );
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(restoreLeaks).toEqual([]);
    expect(seenByUser(r)).not.toContain(marker);
    expect(ordersFingerprint()).toBe(before);
    expect(() => sql('SELECT * FROM junk;')).toThrow(/Table 'shop.junk' doesn't exist/);
    // The restored grant tables are in force: root's password still logs in, an account made since does not.
    expect(sql('SELECT CURRENT_USER();')).toBe('root@localhost');
    expect(() => loginAsLate()).toThrow(/Access denied for user 'late'@'localhost'/);
    expect(JSON.parse(r.outputs.restored!)).toEqual([{ kind: 'database', name: 'db', file: m.archives[0].file }]);
    expect(r.summary).toMatch(/\| restored \| .* \| database db \| .*-pre-restore \| – \|/);
    // The safety backup holds the state it replaced: the junk table.
    const safety = `${app.root}/backups/${r.outputs['safety-backup-id']}`;
    expect(onHost(`zstd -dc < ${safety}/database-db-mysql.sql.zst | grep -c 'CREATE TABLE \`junk\`'`)).toBe('1');
  });
});
