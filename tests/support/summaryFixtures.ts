// One job summary of each action, made by the action's own report function from an outcome such as
// a real run produces (two hosts, realistic times), for the run-page screenshots (docs/summary-*.png)
// and the test that renders them.
import { buildPushSummary } from '../../src/build/BuildPushReport.js';
import { backupSummary } from '../../src/backup/BackupReport.js';
import { restoreSummary } from '../../src/backup/RestoreReport.js';
import { configSummary } from '../../src/validation/ConfigReport.js';
import type { DeployOutcome } from '../../src/deploy/Deployer.js';
import type { HostResult } from '../../src/deploy/HostDeployment.js';
import { healthGateSummary } from '../../src/health/HealthGateReport.js';
import type { Attempt, GateResult } from '../../src/health/HealthGate.js';
import type { HealthGateSpec } from '../../src/health/readHealthSpec.js';
import { deploySummary } from '../../src/report/DeployReport.js';
import { rollbackSummary } from '../../src/rollback/RollbackReport.js';
import type { BackupManifest } from '../../src/backup/BackupManifest.js';

export interface SummaryFixture {
  /** docs/summary-<name>.png */
  name: string;
  /** The job's name on the card. */
  job: string;
  markdown: string;
  /** Window height for the screenshot. */
  height: number;
  /** Window width for the screenshot (default 1200): as wide as the run page shows a wide table. */
  width?: number;
}

const RUN_ENV = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_SHA: '4f1c2e9a7b3d5f60812ab34cd56ef7890a1b2c3d',
  GITHUB_RUN_ID: '9876543210',
  GITHUB_RUN_NUMBER: '128',
};

const HOSTS = ['deploy@app1.example.com', 'deploy@app2.example.com'];
const DIGEST = 'sha256:9b2f4e61c0d8a7f35e12b4c6d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f809a1b';
const IMAGE = `ghcr.io/acme/shop@${DIGEST}`;
const RELEASE = '20261123-181652-123-4f1c2e9';
const PREVIOUS = '20261121-093012-456-7d8e9f0';
const URL = 'http://127.0.0.1:8080/health';

function attempts(n: number, okFrom: number, latency: number): Attempt[] {
  return Array.from({ length: n }, (_, i) => {
    const ok = i >= okFrom;
    return {
      at: i * 1000,
      ok,
      results: [
        ok
          ? { url: URL, ok, status: 200, latencyMs: latency + i }
          : { url: URL, ok, status: 503, latencyMs: latency, reason: 'status 503 (want 2xx)' },
      ],
    };
  });
}

const healthy = (n: number, okFrom: number): GateResult => ({
  healthy: true,
  attempts: attempts(n, okFrom, 11),
  timeToHealthyMs: (n - 1) * 1000 + 14,
  lastStatus: 200,
});

function deployHost(host: string, i: number, extra: Partial<HostResult> = {}): HostResult {
  return {
    host,
    status: 'deployed',
    release: RELEASE,
    previous: PREVIOUS,
    attempted: RELEASE,
    image: IMAGE,
    digest: DIGEST,
    timings: { connectMs: 412 + i * 37, pullMs: 3_480 + i * 610, startMs: 1_920 + i * 140, gateMs: 2_014 + i * 1000 },
    gate: healthy(3 + i, 1 + i),
    pruned: i === 0 ? ['20261102-120000-001-1a2b3c4'] : [],
    ...extra,
  };
}

function deployFixtures(): SummaryFixture[] {
  const deployed: DeployOutcome = {
    status: 'deployed',
    releaseId: RELEASE,
    hosts: HOSTS.map((h, i) => deployHost(h, i)),
  };
  const failedGate: GateResult = {
    healthy: false,
    attempts: attempts(6, 99, 8),
    lastStatus: 503,
    reason: `${URL} answered 503 6 times; web is unhealthy`,
  };
  const rolledBack: DeployOutcome = {
    status: 'rolled-back',
    releaseId: RELEASE,
    hosts: HOSTS.map((h, i) =>
      deployHost(h, i, {
        status: 'rolled-back',
        release: PREVIOUS,
        gate: failedGate,
        rollbackGate: healthy(2, 0),
        reason: 'health gate: /health answered 503 for 60 s; web is unhealthy',
        logs: [
          {
            name: 'web',
            tail: 'migrate: applying 0042_orders_index\nError: relation "orders" does not exist\nhealth: 503 database not ready',
          },
        ],
        pruned: [],
      }),
    ),
  };
  // Serial across four hosts; the release fails its gate on the third (its config file is missing there).
  const fleet = ['app1', 'app2', 'app3', 'app4'].map((h) => `deploy@${h}.example.com`);
  const wentBack = (h: string, i: number) =>
    deployHost(h, i, {
      status: 'rolled-back',
      release: PREVIOUS,
      rollbackGate: healthy(2, 0),
      reason: `healthy, then taken back to ${PREVIOUS}: the rollout stopped when ${fleet[2]} failed`,
      pruned: [],
    });
  const rolledOut: DeployOutcome = {
    status: 'rolled-back',
    releaseId: RELEASE,
    hosts: [
      wentBack(fleet[0]!, 0),
      wentBack(fleet[1]!, 1),
      deployHost(fleet[2]!, 2, {
        status: 'rolled-back',
        release: PREVIOUS,
        gate: failedGate,
        rollbackGate: healthy(2, 0),
        reason: 'health gate: /health answered 503 for 60 s; web is unhealthy',
        pruned: [],
      }),
      {
        ...deployHost(fleet[3]!, 3),
        status: 'unchanged',
        release: PREVIOUS,
        timings: { connectMs: 520, pullMs: 4_020 },
      },
    ],
    rollout: {
      rollout: 'serial',
      stoppedBy: fleet[2],
      goingBackMs: 6_240,
      batches: [
        { hosts: [fleet[0]!], tookMs: 4_130, result: 'passed' },
        { hosts: [fleet[1]!], tookMs: 5_020, result: 'passed' },
        { hosts: [fleet[2]!], tookMs: 64_870, result: 'stopped' },
        { hosts: [fleet[3]!], tookMs: 0, result: 'not started' },
      ],
      paths: [
        { host: fleet[0]!, path: 'switched, then back' },
        { host: fleet[1]!, path: 'switched, then back' },
        { host: fleet[2]!, path: 'rolled back' },
        { host: fleet[3]!, path: 'untouched' },
      ],
    },
  };
  // mode: swarm: the release's tasks never got healthy; swarm paused the update, and the previous stack came back.
  const manager = 'deploy@app1.example.com';
  const pausedGate: GateResult = {
    healthy: false,
    attempts: attempts(9, 99, 9).map((a) => ({
      ...a,
      extra: 'shop_web is updating (0/3 tasks on the new spec)',
    })),
    lastStatus: 200,
    reason:
      'swarm paused the update of shop_web: update paused due to failure or early termination of task 7qk2x0d1n4v3',
  };
  const previousImage = `ghcr.io/acme/shop@sha256:${'4a1c'.repeat(16)}`;
  const swarmRolledBack: DeployOutcome = {
    status: 'rolled-back',
    releaseId: RELEASE,
    hosts: [
      deployHost(manager, 0, {
        status: 'rolled-back',
        release: PREVIOUS,
        gate: pausedGate,
        rollbackGate: healthy(4, 2),
        reason: pausedGate.reason,
        logs: [
          {
            name: 'shop_web (paused)',
            tail: 'shop_web.1@app2 | listening on :8080\nshop_web.1@app2 | GET /health 503: DATABASE_URL is not set',
          },
        ],
        pruned: [],
        stack: {
          stack: 'shop',
          services: [
            {
              name: 'shop_web',
              image: previousImage,
              running: 3,
              wanted: 3,
              nodes: ['app1', 'app2', 'app3'],
              update: 'completed',
            },
            { name: 'shop_worker', image: previousImage, running: 1, wanted: 1, nodes: ['app2'], update: 'completed' },
          ],
        },
      }),
    ],
  };
  return [
    {
      name: 'deploy-swarm',
      job: 'Deploy to production',
      markdown: deploySummary('shop', swarmRolledBack, { tookMs: 41_870 }).markdown(),
      height: 620,
      width: 1300,
    },
    {
      name: 'deploy-rollout',
      job: 'Deploy to production',
      markdown: deploySummary('shop', rolledOut, { tookMs: 88_310 }).markdown(),
      height: 900,
      width: 1300,
    },
    {
      name: 'deploy',
      job: 'Deploy to production',
      markdown: deploySummary('shop', deployed, {
        tookMs: 9_870,
        environment: { name: 'production', url: 'https://shop.example.com' },
      }).markdown(),
      height: 380,
    },
    {
      name: 'deploy-rolled-back',
      job: 'Deploy to production',
      markdown: deploySummary('shop', rolledBack, { tookMs: 71_240 }).markdown(),
      height: 640,
      width: 1300,
    },
  ];
}

function buildPushFixture(): SummaryFixture {
  const labels = {
    'org.opencontainers.image.source': 'https://github.com/acme/shop',
    'org.opencontainers.image.revision': RUN_ENV.GITHUB_SHA,
    'org.opencontainers.image.version': 'main',
    'org.opencontainers.image.created': '2026-11-23T18:15:02Z',
  };
  return {
    name: 'build-push',
    job: 'Validate and build',
    markdown: buildPushSummary({
      image: 'ghcr.io/acme/shop',
      digest: DIGEST,
      imageRef: IMAGE,
      tags: ['sha-4f1c2e9', 'main', 'latest'],
      version: 'main',
      labels,
      builder: { kind: 'buildx', version: 'v0.17.1', name: 'builder-1', driver: 'docker-container' },
      pushed: true,
      verified: true,
      sizes: [{ platform: 'linux/amd64', bytes: 31_457_280 }],
      buildMs: 41_300,
    }).markdown(),
    height: 470,
    width: 1700,
  };
}

function validateFixture(): SummaryFixture {
  const span = { line: 7, column: 18, endLine: 7, endColumn: 21 };
  const finding = {
    rule: 'schema' as const,
    message: 'limits.max_upload_mb must be <= 100 (found 500)',
    file: 'config/app.yml',
    span,
    severity: 'error' as const,
  };
  return {
    name: 'validate-config',
    job: 'Validate and build',
    markdown: configSummary(
      {
        files: [
          {
            file: 'config/app.yml',
            kind: 'config',
            schema: 'config/app.schema.json',
            documents: 1,
            findings: [finding],
          },
          { file: 'config/features.yml', kind: 'config', schema: 'config/app.schema.json', documents: 1, findings: [] },
          { file: 'docker-compose.yml', kind: 'compose', schema: 'Compose Specification', documents: 1, findings: [] },
        ],
        general: [],
        findings: [finding],
        errorCount: 1,
        warningCount: 0,
        filesChecked: 3,
        composeCli: 'v2',
      },
      'fail',
    ).markdown(),
    height: 420,
  };
}

function healthGateFixture(): SummaryFixture {
  const spec: HealthGateSpec = {
    urls: [URL],
    timeoutMs: 60_000,
    intervalMs: 1000,
    successes: 2,
    expectStatus: [],
    headers: {},
    requestTimeoutMs: 5000,
  };
  return {
    name: 'health-gate',
    job: 'Smoke test',
    markdown: healthGateSummary(
      {
        healthy: true,
        places: HOSTS.map((place, i) => ({ place, gate: healthy(3 + i, 1 + i) })),
      },
      spec,
    ).markdown(),
    height: 800,
  };
}

function manifest(host: string): BackupManifest {
  return {
    format: 1,
    id: '20261123-031700-482',
    app: 'shop',
    host,
    reason: 'backup',
    createdAt: '2026-11-23T03:17:00.482Z',
    completedAt: '2026-11-23T03:17:09.904Z',
    release: RELEASE,
    image: IMAGE,
    compression: 'zstd',
    archives: [],
    stoppedServices: [],
    verified: 'list',
    durationMs: 9_422,
  };
}

function backupFixtures(): SummaryFixture[] {
  const archives = (i: number) => [
    {
      file: 'volume-shop_data.tar.zst',
      kind: 'volume' as const,
      name: 'shop_data',
      size: 48_211_002 + i * 1_000_000,
      rawSize: 183_500_800 + i * 4_000_000,
      entries: 1_284,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      compression: 'zstd' as const,
      encrypted: false,
      ms: 4_210 + i * 300,
    },
    {
      file: 'database-db.sql.zst',
      kind: 'database' as const,
      name: 'db',
      size: 6_310_144,
      rawSize: 38_010_880,
      sha256: '5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
      compression: 'zstd' as const,
      encrypted: false,
      database: { service: 'db', engine: 'postgres' as const },
      ms: 2_980,
    },
  ];
  const backup = backupSummary('shop', {
    id: '20261123-031700-482',
    status: 'complete',
    hosts: HOSTS.map((host, i) => ({
      host,
      id: '20261123-031700-482',
      status: 'complete' as const,
      manifest: { ...manifest(host), archives: archives(i) },
      manifestSha256: 'a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00',
      archives: archives(i),
      totalMs: 9_422 + i * 600,
      pruned: i === 0 ? ['20261109-031700-115'] : [],
      incomplete: [],
      stopped: [],
    })),
    artifacts: [],
  });
  const restore = restoreSummary('shop', {
    status: 'restored',
    hosts: HOSTS.map((host, i) => ({
      host,
      backupId: '20261123-031700-482',
      status: 'restored' as const,
      restored: archives(i).map((a) => ({ file: a.file, kind: a.kind, name: a.name, size: a.size, ms: a.ms + 900 })),
      safetyBackupId: '20261123-101502-007-pre-restore',
      stopped: ['web', 'db'],
      totalMs: 18_340 + i * 700,
    })),
  });
  return [
    { name: 'backup', job: 'Nightly backup', markdown: backup.markdown(), height: 730, width: 1300 },
    { name: 'restore', job: 'Restore', markdown: restore.markdown(), height: 530 },
  ];
}

function rollbackFixture(): SummaryFixture {
  return {
    name: 'rollback',
    job: 'Rollback production',
    markdown: rollbackSummary('shop', {
      status: 'rolled-back',
      tookMs: 8_310,
      hosts: HOSTS.map((host, i) => ({
        host,
        status: 'rolled-back' as const,
        from: RELEASE,
        target: PREVIOUS,
        release: PREVIOUS,
        image: `ghcr.io/acme/shop@sha256:7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9001122334455667788990a1b2c`,
        pulled: i === 1,
        timings: { connectMs: 401, lockMs: 12, pullMs: i === 1 ? 3_900 : 0, startMs: 1_740, gateMs: 2_020 },
        gate: healthy(3, 1),
      })),
    }).markdown(),
    height: 500,
    // Ten columns, four of them release ids: the width of a wide run page, so none is broken.
    width: 1900,
  };
}

/** Every fixture, made under a fixed run environment (repository, commit, run) so links are stable. */
export function summaryFixtures(): SummaryFixture[] {
  const saved = Object.fromEntries(Object.keys(RUN_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, RUN_ENV);
  try {
    return [
      validateFixture(),
      buildPushFixture(),
      ...deployFixtures(),
      healthGateFixture(),
      rollbackFixture(),
      ...backupFixtures(),
    ];
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
