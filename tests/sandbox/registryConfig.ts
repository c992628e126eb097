// The docker-registry config every sandbox registry shares: the plain one the servers pull from, and
// the TLS and token ones of the registry-auth tests.

/** A docker-registry config: the listen address, storage under `data`, then the given http/auth lines. */
export function registryYaml(what: string, addr: string, data: string, rest: string[]): string {
  return [
    `# njord test sandbox ${what} (tests/sandbox/registryConfig.ts)`,
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${data}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${addr}`,
    ...rest,
    '',
  ].join('\n');
}
