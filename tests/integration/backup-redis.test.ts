// A real Redis 7 (Debian's redis-server in an image built FROM scratch, tests/sandbox/BinaryImage.ts)
// is dumped by actions/backup with redis-cli --rdb; a restore of that dump, which a running server
// cannot load, is refused naming the input, and changes nothing.
import { beforeAll, expect, it } from 'vitest';
import { ensureRedisImage } from '../sandbox/BinaryImage.js';
import { asSandboxUser } from '../sandbox/Sandbox.js';
import { backupAction, restoreAction, waitUntil } from '../support/backupKit.js';
import { backupsOnHost, serviceContainerIds } from '../support/appData.js';
import { appWithService, databaseArchive } from '../support/databaseKit.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('backup of Redis', () => {
  const apps = suiteApps();
  const info = sandboxInfo();
  let redis: string;
  let app: TestApp;

  const cache = () => onHost(serviceContainerIds(app, 'cache'));
  const cli = (args: string) => asSandboxUser(`docker exec ${cache()} redis-cli ${args}`).trim();

  beforeAll(async () => {
    redis = ensureRedisImage(info);
    app = await appWithService(apps, 'bk-redis', { name: 'cache', image: redis, volume: 'redisdata' });
    await waitUntil('Redis (PING)', 30_000, () => cli('ping') === 'PONG');
  });

  it('dumps a real RDB with redis-cli --rdb; asking to restore it is refused and changes nothing', async () => {
    cli('set order:1 placed');
    cli('rpush queue a b c');
    cli('hset customer:7 name Ada city Oslo');

    const b = await backupAction(info, app, { volumes: 'none', databases: 'cache: redis', compression: 'zstd' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const { dump } = databaseArchive(b, app, { name: 'cache', database: { service: 'cache', engine: 'redis' } });
    expect(dump).toMatch(/database-cache-redis\.rdb\.zst$/);
    expect(onHost(`zstd -dc < ${dump} | head -c 5`)).toBe('REDIS');
    // Redis's own checker reads it whole: checksum and the three keys.
    const check = asSandboxUser(
      `zstd -dc < ${dump} | docker run --rm -i --network none ${redis} sh -c 'cat > /tmp/d.rdb && redis-check-rdb /tmp/d.rdb'`,
    );
    expect(check).toContain('RDB looks OK');
    expect(check).toContain('3 keys read');

    cli('set order:1 shipped');
    const startedAt = onHost(`docker inspect -f '{{.State.StartedAt}}' ${cache()}`);
    const r = await restoreAction(info, app, { 'backup-id': id, databases: 'cache' });
    expect(r.exitCode).toBe(1);
    expect(visibleLog(r)).toContain(
      "Input 'databases': cache: a redis dump cannot be loaded into a running server; restore the volume that holds its data instead",
    );
    // Nothing changed: the newer value, the same container, no safety backup, the lock free.
    expect(cli('get order:1')).toBe('shipped');
    expect(onHost(`docker inspect -f '{{.State.StartedAt}}' ${cache()}`)).toBe(startedAt);
    expect(backupsOnHost(app).map((x) => x.id)).toEqual([id]);
    expect(onHost(`ls -A ${app.root}`)).not.toContain('.lock');
  });
});
