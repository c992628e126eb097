/** Where the core writes progress; the actions send it to the runner log, the CLI to the terminal. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };
