// Backing up a 1 GiB volume on a sandbox server (not the runner) through the bundled backup action
// and by hand on the same server (root's tar on the volume's directory, run as root on the server
// through `docker exec`, and what a person without root runs over ssh: a throwaway container's tar,
// or docker cp), each piped into gzip or zstd into a file, in one run, alternating, with the
// median time and throughput ratio (hand / action: 1.0 is as fast). BENCH_ONLY=gzip|zstd|artifact;
// BENCH_MIB=64 makes a smaller volume (a quick check that it runs; the numbers are for 1024).
// Then the runner's peak memory (VmHWM of the action's process) while it streams the gigabyte to
// an artifact, uploaded to a loopback stand-in of the artifact service.
// Run as root: npx tsx bench/backup.bench.ts [rounds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '../tests/harness/runAction.js';

// The Node that action.yml's `using: node24` gives the action on a runner.
const RUNNER_NODE = 'node24';
import { artifactService, runtimeToken } from '../tests/support/artifactService.js';
import {
  asSandboxUser,
  buildTestImage,
  freePort,
  onServer,
  startSandbox,
  writeComposeApp,
} from '../tests/sandbox/Sandbox.js';
import { removeApp, type TestApp } from '../tests/support/deployKit.js';

const rounds = Number(process.argv[2] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = () => performance.now();
const MiB = Number(process.env.BENCH_MIB ?? 1024);
if (!Number.isInteger(MiB / 2) || MiB < 2) throw new Error(`BENCH_MIB must be an even number of MiB, not ${MiB}`);
const size = MiB * 1024 ** 2;
const sizeText = MiB % 1024 ? `${MiB} MiB` : `${MiB / 1024} GiB`;

const info = await startSandbox();
const image = await buildTestImage(info, { repo: 'njord-test/bench', tag: 'v1', version: 'v1' });
const port = await freePort();
const workspace = mkdtempSync(join(tmpdir(), 'njord-bench-backup-'));
writeComposeApp(workspace, { port });
const app: TestApp = {
  name: 'bench-backup',
  port,
  workspace,
  root: `${info.homeDir}/njord/bench-backup`,
  server: info.server,
};
console.log(`server ${info.server} (${info.hostSpec}), ${rounds} round${rounds > 1 ? 's' : ''}, volume ${sizeText}`);
const connection = { hosts: info.hostSpec, 'ssh-key': info.privateKey, 'known-hosts': info.knownHosts, app: app.name };
const keyFile = join(workspace, 'id');
writeFileSync(keyFile, info.privateKey, { mode: 0o600 });
const knownFile = join(workspace, 'known_hosts');
writeFileSync(knownFile, info.knownHosts);
const volume = `${app.name}_data`;

try {
  const d = await runAction('.', { ...connection, image: image.ref }, { workspace, node: RUNNER_NODE });
  if (d.exitCode !== 0) throw new Error(`deploy failed:\n${d.stdout}\n${d.stderr}`);
  // Made once on the server: half random (incompressible), half log-like text (compressible).
  const t0 = now();
  asSandboxUser(
    `docker run --rm -v ${volume}:/data --entrypoint /bin/sh ${image.ref} -c 'dd if=/dev/urandom of=/data/random.bin bs=1M count=${MiB / 2} 2>/dev/null && yes "2026-11-23T18:16:52Z GET /api/orders/1234?page=2 200 0.023s ua=Mozilla/5.0 (X11; Linux x86_64)" | head -c ${size / 2} > /data/access.log'`,
  );
  console.log(`volume ${volume}: ${sizeText} written in ${((now() - t0) / 1000).toFixed(1)} s`);

  // Hand-made baselines on the same server: root's tar straight on the volume's directory (the
  // floor: no Docker API, no SSH; root at the server's console, here through `docker exec`), and
  // what a person without root types over ssh (a throwaway container's tar, or docker cp).
  const mountpoint = asSandboxUser(`docker volume inspect -f '{{.Mountpoint}}' ${volume}`).trim();
  const rootTar = (compress: string) =>
    `docker exec -u root ${info.server} sh -c 'tar -C ${mountpoint} -cf - . | ${compress} > /tmp/njord-bench-hand.tar; rm -f /tmp/njord-bench-hand.tar'`;
  // The same read path the action uses, by hand: a created container's volume through docker cp.
  const dockerCp = (compress: string) => `
set -eu
ssh -i ${keyFile} -p ${info.sshPort} -o UserKnownHostsFile=${knownFile} -o BatchMode=yes ${info.sshUser}@${info.sshHost} \\
  "mkdir -p bench-hand && cid=\\$(docker create -v ${volume}:/data:ro ${image.ref} /x) && docker cp \\$cid:/data/. - | ${compress} > bench-hand/data.tar && docker rm \\$cid >/dev/null && rm -f bench-hand/data.tar"
`;
  const overSsh = (compress: string) => `
set -eu
ssh -i ${keyFile} -p ${info.sshPort} -o UserKnownHostsFile=${knownFile} -o BatchMode=yes ${info.sshUser}@${info.sshHost} \\
  "mkdir -p bench-hand && docker run --rm -v ${volume}:/data:ro --entrypoint tar ${image.ref} -C /data -cf - . | ${compress} > bench-hand/data.tar && rm -f bench-hand/data.tar"
`;

  async function viaAction(compression: string, verify: string): Promise<number> {
    const t = now();
    const run = await runAction(
      'actions/backup',
      { ...connection, compression, verify, keep: '1' },
      { workspace, node: RUNNER_NODE },
    );
    if (run.exitCode !== 0) throw new Error(`backup action failed:\n${run.stdout}\n${run.stderr}`);
    return now() - t;
  }

  function viaHand(script: string): number {
    const t = now();
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`by hand failed:\n${r.stderr}`);
    return now() - t;
  }

  const results: string[] = [];
  const only = process.env.BENCH_ONLY;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const mbps = (ms: number) => `${(MiB / (ms / 1000)).toFixed(0)} MiB/s`;
  for (const [compression, hand] of [
    ['gzip', 'gzip -c'],
    ['zstd', 'zstd -q -c -T0'],
  ] as const) {
    if (only && only !== compression) continue;
    const t = {
      root: [] as number[],
      cp: [] as number[],
      ssh: [] as number[],
      checksum: [] as number[],
      list: [] as number[],
    };
    for (let i = 0; i < rounds; i++) {
      // Alternating, so the page cache and the machine's state favour no side.
      t.root.push(viaHand(rootTar(hand)));
      t.checksum.push(await viaAction(compression, 'checksum'));
      t.ssh.push(viaHand(overSsh(hand)));
      t.list.push(await viaAction(compression, 'list'));
      t.cp.push(viaHand(dockerCp(hand)));
    }
    const [root, cp, ssh, checksum, list] = [t.root, t.cp, t.ssh, t.checksum, t.list].map(median) as [
      number,
      number,
      number,
      number,
      number,
    ];
    results.push(
      `${compression} (\`${hand}\`): root's tar on the server ${secs(root)} (${mbps(root)}), docker cp over ssh ${secs(cp)} (${mbps(cp)}), docker-run tar over ssh ${secs(ssh)} (${mbps(ssh)}); ` +
        `action verify=checksum ${secs(checksum)} (${mbps(checksum)}), verify=list ${secs(list)} (${mbps(list)}); ` +
        `throughput ratios (checksum / list) vs root's tar: ${(root / checksum).toFixed(2)} / ${(root / list).toFixed(2)}, ` +
        `vs docker cp: ${(cp / checksum).toFixed(2)} / ${(cp / list).toFixed(2)}, vs docker-run tar: ${(ssh / checksum).toFixed(2)} / ${(ssh / list).toFixed(2)}`,
    );
    console.log(results.at(-1));
  }

  // Peak memory of the runner's process while the gigabyte streams through it to an artifact.
  if (!only || only === 'artifact') {
    const service = await artifactService(false);
    const streamPeaks: number[] = [];
    const peaks: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let peakKb = 0;
      let streamPeakKb = 0;
      let uploading = false;
      const t = now();
      const run = await runAction(
        'actions/backup',
        {
          ...connection,
          destination: 'artifact',
          'unencrypted-artifact': 'true',
          compression: 'zstd',
          verify: 'checksum',
        },
        {
          workspace,
          node: RUNNER_NODE,
          env: { ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: service.url },
          onSpawn: (child, step) => {
            if (step !== 'main') return;
            child.stdout!.on('data', (d: Buffer) => {
              if (d.toString().includes('uploading artifact')) uploading = true;
            });
            const timer = setInterval(() => {
              try {
                const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
                if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
                if (hwm && !uploading) streamPeakKb = peakKb;
              } catch {
                clearInterval(timer);
              }
            }, 50);
            child.once('exit', () => clearInterval(timer));
          },
        },
      );
      if (run.exitCode !== 0) throw new Error(`artifact backup failed:\n${run.stdout}\n${run.stderr}`);
      times.push(now() - t);
      streamPeaks.push(streamPeakKb / 1024);
      peaks.push(peakKb / 1024);
    }
    service.server.close();
    const uploaded = service.uploads.at(-1)?.received ?? 0;
    results.push(
      `artifact: ${(uploaded / 1024 ** 2).toFixed(0)} MiB (the zstd archive) streamed and uploaded in ${secs(median(times))}; ` +
        `runner peak RSS (VmHWM) ${median(streamPeaks).toFixed(0)} MB while streaming from the server [${streamPeaks.map((x) => x.toFixed(0)).join(', ')}], ` +
        `${median(peaks).toFixed(0)} MB including the upload [${peaks.map((x) => x.toFixed(0)).join(', ')}] (goal < 150 MB)`,
    );
    console.log(results.at(-1));
  }
  console.log(`\nbackup benchmark, ${sizeText}, ${rounds} rounds, medians:\n  ${results.join('\n  ')}`);
} finally {
  asSandboxUser(`rm -rf bench-hand`);
  onServer(info.server, 'rm -f /tmp/njord-bench-hand.tar', { user: 'root' });
  removeApp(app);
}
