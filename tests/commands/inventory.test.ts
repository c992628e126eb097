// What backup reads on a host first, and the services it stops, byte for byte.
import { describe, expect, it } from 'vitest';
import {
  existingPathsCommand,
  projectVolumesCommand,
  volumesCommand,
} from '../../src/remote/backup/InventoryCommands.js';
import { parseTools, toolsProbe } from '../../src/remote/backup/ToolsProbe.js';
import { startContainersCommand, stopContainersCommand } from '../../src/remote/DockerCommands.js';

describe('InventoryCommands', () => {
  it("inspects the project's volumes, and volumes named by hand", () => {
    expect(projectVolumesCommand('shop')).toBe(
      'docker volume ls -q --filter label=com.docker.compose.project=shop | xargs -r docker volume inspect',
    );
    expect(volumesCommand(['shop_data', 'other vol'])).toBe(
      "docker volume inspect shop_data 'other vol' 2>/dev/null || true",
    );
  });

  it('says of each path whether the SSH user can read it', () => {
    expect(existingPathsCommand(['/srv', "/it's"])).toBe(
      "if [ -d /srv ] && [ -r /srv ]; then echo ok; else echo missing; fi; if [ -d '/it'\\''s' ] && [ -r '/it'\\''s' ]; then echo ok; else echo missing; fi",
    );
  });
});

describe('the tool probe', () => {
  it('asks for every compressor of the list, then the other tools and GNU tar', () => {
    expect(toolsProbe).toBe(
      'for t in gzip zstd age sha256sum mkfifo tar docker; do if command -v $t >/dev/null 2>&1; then echo "$t=1"; else echo "$t=0"; fi; done; if tar --version 2>/dev/null | head -1 | grep -q \'GNU tar\'; then echo gnutar=1; else echo gnutar=0; fi',
    );
  });

  it('reads what it printed', () => {
    expect(parseTools('gzip=1\nzstd=0\nage=1\nsha256sum=1\nmkfifo=1\ntar=1\ndocker=1\ngnutar=0\n')).toEqual({
      gzip: true,
      zstd: false,
      age: true,
      sha256sum: true,
      mkfifo: true,
      tar: true,
      docker: true,
      gnutar: false,
    });
  });
});

describe('stopping and starting services', () => {
  it('stops and starts containers by id', () => {
    expect(stopContainersCommand(['c1', 'c2'])).toEqual(['docker', 'stop', 'c1', 'c2']);
    expect(startContainersCommand(['c1'])).toEqual(['docker', 'start', 'c1']);
  });
});
