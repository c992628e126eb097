// A volume as a tar stream, three ways by what the image can run. With tar in the image, tar runs
// as root in a throwaway container and writes into a host fifo mounted into it: faster than docker
// cp, which goes through the daemon's API. Without, docker cp on a container that is never
// started: no tool needed in the image. The archive script defines $tmp (a temp path prefix) and $st.
import type { ReleaseLayout } from '../../release/ReleaseLayout.js';
import { line, quote } from '../Shell.js';
import type { ArchiveSource } from './ArchiveSource.js';
import { HelperContainers, MOUNT, REMOVE_CONTAINER, volumeAtMount } from './HelperContainers.js';
import { TarImageCommands, type TarReader } from './TarImageCommands.js';

export class VolumeReaders {
  private readonly containers: HelperContainers;
  private readonly tarImages: TarImageCommands;

  constructor(layout: ReleaseLayout, token: string) {
    this.containers = new HelperContainers(token);
    this.tarImages = new TarImageCommands(layout, token);
  }

  source(volume: string, image: string, reader: TarReader): ArchiveSource {
    if (reader === 'no')
      return {
        setup: this.containers.create(volume, image, true),
        name: 'docker cp (reading the volume)',
        cmd: `docker cp "$cid":${MOUNT}/. -`,
        teardown: REMOVE_CONTAINER,
      };
    return reader === 'sh' ? this.tarBySh(volume, image) : this.tarAlone(volume, image);
  }

  /**
   * `docker run` of a root container of `image` with `volume` read-only at MOUNT, running
   * `entrypoint` with `args`. `hostMounts` are `-v` flags whose host paths the script's shell
   * expands ($tmp, $run), so they stay outside the quoted argv.
   */
  private reading(volume: string, image: string, hostMounts: string, [entrypoint, ...args]: string[]): string {
    const root = line(this.containers.run('--user', '0:0'));
    return [
      root,
      line(['-v', volumeAtMount(volume, true)]),
      hostMounts,
      line(['--entrypoint', entrypoint!, image, ...args]),
    ].join(' ');
  }

  /** Says why tar failed in the status file, and forgets every kept answer (asked again next time). */
  private tarFailed(image: string, rc: string, err: string): string {
    return `echo ${quote(`tar in a container of ${image} failed (exit `)}"${rc}): $(tail -c 300 ${err})" >> "$st"; ${this.tarImages.forget()}`;
  }

  /** tar as the container's command: its status is the container's, known once Docker has torn it down. */
  private tarAlone(volume: string, image: string): ArchiveSource {
    const run = this.reading(volume, image, '-v "$tmp.tarfifo":/njord-out', [
      'tar',
      '-C',
      MOUNT,
      '-cf',
      '/njord-out',
      '.',
    ]);
    return {
      // After the container ends, opening the fifo read-write (never blocks) releases a reader
      // still waiting for a writer, so a container that never started cannot hang the pipeline.
      setup: `mkfifo -m 600 "$tmp.tarfifo" || exit 1\n( ${run} 2> "$tmp.tarerr"; echo $? > "$tmp.tarrc"; exec 3<> "$tmp.tarfifo" ) & p=$!`,
      name: 'reading the volume',
      readFrom: '"$tmp.tarfifo"',
      teardown:
        'wait $p; rc=$(cat "$tmp.tarrc" 2>/dev/null); ' +
        `if [ "$rc" != 0 ]; then ${this.tarFailed(image, '${rc:-?}', '"$tmp.tarerr"')}; fi; ` +
        'rm -f "$tmp.tarfifo" "$tmp.tarerr" "$tmp.tarrc"',
    };
  }

  /**
   * tar run by the image's sh, which writes tar's status to a mounted file as tar ends. The script
   * goes on then, not once Docker has torn the container down: unmounting its root file system
   * flushes every dirty page on the host's disk, the archive just written among them. The plumbing
   * is in a folder of its own, `$run`: when tar reported 0 the container's wrapper removes it once
   * `docker run` returns; otherwise the script waits for that and reports tar's error. The wrapper
   * holds none of the script's output, so sshd can end the command while it waits.
   */
  private tarBySh(volume: string, image: string): ArchiveSource {
    const mounts = '-v "$run/fifo":/njord-out -v "$run/rc":/njord-rc';
    const run = this.reading(volume, image, mounts, [
      'sh',
      '-c',
      `tar -C ${MOUNT} -cf /njord-out .; echo $? > /njord-rc`,
    ]);
    return {
      // A container that never reported (never started, or its sh died) gets a failing status
      // written for it, and the fifo opened read-write releases the compressor waiting on it.
      setup:
        'run="$tmp.run"; mkdir -m 700 "$run" && mkfifo -m 600 "$run/fifo" && : > "$run/rc" || exit 1\n' +
        `( ${run} 2> "$run/err"; r=$?; if [ "$(cat "$run/rc")" = 0 ]; then rm -rf "$run"; elif [ ! -s "$run/rc" ]; then [ "$r" = 0 ] && r=1; echo "$r" > "$run/rc"; exec 3<> "$run/fifo"; fi ) < /dev/null > /dev/null 2>&1 & p=$!`,
      name: 'reading the volume',
      readFrom: '"$run/fifo"',
      // No folder left: the wrapper saw tar report 0 and cleaned up.
      teardown:
        'rc=0; while [ -d "$run" ]; do if [ -s "$run/rc" ]; then rc=$(cat "$run/rc"); break; fi; ' +
        'kill -0 $p 2>/dev/null || { rc=$(cat "$run/rc" 2>/dev/null); break; }; sleep 0.01 2>/dev/null || sleep 1; done; ' +
        `if [ "$rc" != 0 ]; then wait $p; ${this.tarFailed(image, '${rc:-?}', '"$run/err"')}; rm -rf "$run"; fi`,
    };
  }
}
