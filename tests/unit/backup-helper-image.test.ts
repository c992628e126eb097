// helper-image goes into the commands backup and restore run on the host: it must be an image
// reference (refused otherwise, before any host is touched), and it is quoted wherever it goes,
// even in the messages the scripts print.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBackupConfig } from '../../src/backup/BackupConfig.js';
import { compressors } from '../../src/backup/Compression.js';
import { readRestoreConfig } from '../../src/backup/RestoreConfig.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { RestoreCommands } from '../../src/remote/backup/RestoreCommands.js';
import { throwawayKey } from '../support/throwawayKey.js';
import { scratchDir } from '../support/scratchDir.js';

const root = scratchDir('njord-helper-image-');

const KEY = throwawayKey();

const inputs = (image: string) =>
  new InputReader({
    get: (n) =>
      ({
        hosts: 'deploy@example.com',
        'known-hosts': 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ',
        app: 'shop',
        'ssh-key': KEY,
        'helper-image': image,
      })[n] ?? '',
  });

const digest = 'sha256:' + 'a'.repeat(64);

describe('the helper-image input', () => {
  for (const [action, read] of [
    ['backup', (i: string) => readBackupConfig(inputs(i)).spec.helperImage],
    ['restore', (i: string) => readRestoreConfig(inputs(i)).spec.helperImage],
  ] as const) {
    it(`${action}: takes an image reference or id`, () => {
      for (const ok of [
        'alpine',
        'busybox:1.36',
        'ghcr.io/acme/tools:1.0',
        'localhost:5000/acme/tools',
        `alpine@${digest}`,
        digest,
        '3f57d9401f8d',
      ])
        expect(read(ok)).toBe(ok);
      expect(read('')).toBeUndefined();
    });

    it(`${action}: refuses anything else, naming the input`, () => {
      for (const bad of ['alpine$(touch /tmp/x)', 'alpine;id', '--privileged', 'alpine latest', 'Alpine'])
        expect(() => read(bad)).toThrow(
          `Input 'helper-image': '${bad}' is not an image reference (an image present on the host: name[:tag], name@sha256:…, or its id)`,
        );
    });
  }
});

describe("a restore's commands with the image in them", () => {
  it('print a failure to empty the volume with the image and the volume as given, running nothing in them', () => {
    const dir = join(root, 'run');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    // A docker that has the volume but fails to run a container: the script then prints the
    // message naming the image.
    writeFileSync(join(dir, 'bin', 'docker'), '#!/bin/sh\n[ "$1" = volume ]\n');
    chmodSync(join(dir, 'bin', 'docker'), 0o755);
    const marker = join(dir, 'ran');
    const script = new RestoreCommands(new ReleaseLayout(join(dir, 'app')), 'tok').volume({
      id: '20261201-010000-000',
      file: 'volume-data.tar.gz',
      volume: `data$(touch ${marker}-volume)`,
      labels: {},
      image: `alpine$(touch ${marker})`,
      compressor: compressors.gzip,
      encrypted: false,
    });
    const r = spawnSync('sh', ['-c', script], {
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}-volume`)).toBe(false);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `could not empty volume data$(touch ${marker}-volume) with image alpine$(touch ${marker}) (it needs sh and rm; set helper-image)\n`,
    );
  });
});
