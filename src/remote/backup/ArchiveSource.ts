// Where an archive's stream comes from: a command that writes it, or a file (a fifo) to read it from.
import { line } from '../Shell.js';

export type ArchiveSource = {
  /** Said in the log, and in the error when the command fails. */
  name: string;
  /** Runs first; may set shell variables the command uses ($cid). */
  setup?: string;
  /** Runs after the pipeline, whatever happened. */
  teardown?: string;
} & (
  | { /** Writes the stream to stdout. */ cmd: string }
  | { /** The compressor reads it directly, with no copy through a pipe. */ readFrom: string }
);

/** A host path, read with the host's tar. */
export function pathSource(path: string): ArchiveSource {
  return { name: 'tar', cmd: line(['tar', '-C', path, '-cf', '-', '.']) };
}
