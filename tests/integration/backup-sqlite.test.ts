// A real SQLite database (Debian's sqlite3 in an image built FROM scratch, tests/sandbox/BinaryImage.ts)
// in a named volume is dumped by actions/backup with SQLite's online backup, rows are deleted,
// and actions/restore puts them back.
import { beforeAll, expect, it } from 'vitest';
import { ensureSqliteImage } from '../sandbox/BinaryImage.js';
import { asSandboxUser } from '../sandbox/Sandbox.js';
import { backupAction, restoreAction } from '../support/backupKit.js';
import { serviceContainerIds } from '../support/appData.js';
import { appWithService, databaseArchive, expectDatabaseRestored } from '../support/databaseKit.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('backup and restore of SQLite', () => {
  const apps = suiteApps();
  const info = sandboxInfo();
  let app: TestApp;
  let store: string;

  /** sqlite3 on the app's database, in the running store container. */
  const sqlite = (sql: string) =>
    asSandboxUser(`docker exec -i $(${serviceContainerIds(app, 'store')}) sqlite3 -bail /data/app.db`, {
      input: sql,
    }).trim();

  /** Every row of orders, as SQL text, in one hash, with the count. */
  const ordersFingerprint = () =>
    asSandboxUser(
      `c=$(${serviceContainerIds(app, 'store')}); echo "$(docker exec $c sqlite3 /data/app.db 'SELECT count(*) FROM orders') $(docker exec $c sqlite3 /data/app.db '.dump orders' | sha256sum | cut -c1-64)"`,
    ).trim();

  /** sqlite3 (the store image's: the server has none) on a zstd dump file on the server. */
  const sqliteOnDump = (dump: string, sql: string) =>
    onHost(
      `zstd -dc < ${dump} | docker run --rm -i --network none --entrypoint /bin/sh ${store} -c 'cat > /tmp/d.db && sqlite3 /tmp/d.db "${sql}"'`,
    );

  beforeAll(async () => {
    store = ensureSqliteImage(info);
    app = await appWithService(apps, 'bk-sqlite', { name: 'store', image: store, volume: 'sqlitedata' });
  });

  it('dumps the database file with the online backup, and restores its rows after they were deleted', async () => {
    sqlite(
      [
        'CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL, amount REAL, blob BLOB);',
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000) INSERT INTO orders SELECT n, 'item ' || n, n * 1.25, randomblob(64) FROM g;",
        "INSERT INTO orders VALUES (9999, 'quotes '' \" and unicode ✓ €', 0.01, NULL);",
      ].join('\n'),
    );
    const before = ordersFingerprint();
    expect(before).toMatch(/^3001 [0-9a-f]{64}$/);

    const b = await backupAction(info, app, {
      volumes: 'none',
      databases: 'store: sqlite:/data/app.db',
      compression: 'zstd',
    });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const { file, dump } = databaseArchive(b, app, {
      name: 'store',
      database: { service: 'store', engine: 'sqlite', target: '/data/app.db' },
      compression: 'zstd',
    });
    expect(dump).toMatch(/database-store-sqlite\.db\.zst$/);
    // The dump is a whole SQLite database file, readable by any sqlite3 (the image's, on the server).
    expect(onHost(`zstd -dc < ${dump} | head -c 15`)).toBe('SQLite format 3');
    expect(sqliteOnDump(dump, 'SELECT count(*) FROM orders')).toBe('3001');

    sqlite('DELETE FROM orders WHERE id > 100; CREATE TABLE junk (x); INSERT INTO junk VALUES (1);');
    expect(ordersFingerprint()).toMatch(/^100 /);

    const r = await restoreAction(info, app, { 'backup-id': b.outputs['backup-id']!, databases: 'store' });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expectDatabaseRestored(r, 'store', file);
    expect(ordersFingerprint()).toBe(before);
    expect(() => sqlite('SELECT * FROM junk;')).toThrow(/no such table: junk/);
    // The safety backup holds the state it replaced: 100 orders and the junk table.
    const safety = `${app.root}/backups/${r.outputs['safety-backup-id']}/${file}`;
    expect(sqliteOnDump(safety, 'SELECT count(*) FROM orders; SELECT count(*) FROM junk')).toBe('100\n1');
  });
});
