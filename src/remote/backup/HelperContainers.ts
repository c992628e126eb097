// The throwaway containers and scratch volumes backup, restore and verify use to reach a volume.
// Each carries the run's label, so a post step can remove what a killed run left.
import { chain, line, pipe, quiet, substitute, any } from '../Shell.js';

/** Where a volume is mounted in the throwaway container. */
export const MOUNT = '/njord-volume';
/** Label on every container and scratch volume a run creates, valued with the run's token. */
export const RUN_LABEL = 'dev.njord.backup';

/** Removes the container `create` made ($cid). */
export const REMOVE_CONTAINER = quiet('docker rm -f "$cid"');

/**
 * `-v` of a volume at MOUNT. nocopy: mounted while empty, Docker would first copy in whatever the
 * helper image has at MOUNT: into the app's volume, a scratch volume, or one being restored.
 */
export function volumeAtMount(volume: string, readOnly: boolean): string {
  return `${volume}:${MOUNT}:${readOnly ? 'ro,' : ''}nocopy`;
}

export class HelperContainers {
  constructor(
    /** This run's token: labels what it creates, so a post step can remove it. */
    private readonly token: string,
  ) {}

  private get label(): string {
    return `${RUN_LABEL}=${this.token}`;
  }

  /** Created, never started, into $cid: `docker cp` reads and writes its volume with no tool in the image. */
  create(volume: string, image: string, readOnly: boolean): string {
    const argv = ['docker', 'create', '--label', this.label, '--network', 'none'];
    return any(
      `cid=${substitute([...argv, '-v', volumeAtMount(volume, readOnly), image, '/njord-never-runs'])}`,
      'exit 1',
    );
  }

  /** `docker run` of a labelled, network-less container removed when it ends. */
  run(...more: string[]): string[] {
    return ['docker', 'run', '--rm', '--label', this.label, '--network', 'none', ...more];
  }

  createScratchVolume(name: string): string {
    return any(`${line(['docker', 'volume', 'create', '--label', this.label, name])} >/dev/null`, 'exit 1');
  }
}

/** Removes what a killed run left: its throwaway containers and scratch volumes. */
export function cleanupRunCommand(token: string): string {
  const label = `label=${RUN_LABEL}=${token}`;
  return chain(
    quiet(pipe(['docker', 'ps', '-aq', '--filter', label], ['xargs', '-r', 'docker', 'rm', '-f'])),
    quiet(pipe(['docker', 'volume', 'ls', '-q', '--filter', label], ['xargs', '-r', 'docker', 'volume', 'rm', '-f'])),
    'true',
  );
}
