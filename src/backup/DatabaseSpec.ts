// The `databases` input: lines of `service: engine`, where engine is postgres[:<db>], mysql,
// redis or sqlite:<path inside the container>. Dumped with the tool that ships in that container.
import { InputError } from '../inputs/InputError.js';

export type DatabaseEngine = 'postgres' | 'mysql' | 'redis' | 'sqlite';

export interface DatabaseSpec {
  service: string;
  engine: DatabaseEngine;
  /** postgres: the database (default: the container's POSTGRES_DB); sqlite: the file's path. */
  arg?: string;
}

const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ALIASES: Record<string, DatabaseEngine> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  redis: 'redis',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
};

export function parseDatabases(lines: string[], input = 'databases'): DatabaseSpec[] {
  const seen = new Set<string>();
  return lines.map((raw) => {
    const colon = raw.indexOf(':');
    const service = (colon < 0 ? '' : raw.slice(0, colon)).trim();
    const rest = colon < 0 ? '' : raw.slice(colon + 1).trim();
    if (!service || !rest)
      throw new InputError(
        input,
        `'${raw}' is not 'service: engine' (e.g. 'db: postgres', 'app: sqlite:/data/app.db')`,
      );
    if (!SERVICE.test(service)) throw new InputError(input, `'${service}' is not a compose service name`);
    const sep = rest.indexOf(':');
    const engineWord = (sep < 0 ? rest : rest.slice(0, sep)).trim().toLowerCase();
    const arg = sep < 0 ? undefined : rest.slice(sep + 1).trim() || undefined;
    const engine = ALIASES[engineWord];
    if (!engine)
      throw new InputError(
        input,
        `'${engineWord}' (for ${service}) is not one of postgres, mysql, redis, sqlite:<path>`,
      );
    if (engine === 'sqlite' && (!arg || !arg.startsWith('/')))
      throw new InputError(
        input,
        `${service}: sqlite needs the database file's absolute path in the container, e.g. sqlite:/data/app.db`,
      );
    if (engine === 'postgres' && arg && !/^[A-Za-z0-9_][A-Za-z0-9_$-]*$/.test(arg))
      throw new InputError(input, `${service}: '${arg}' is not a plain PostgreSQL database name`);
    if ((engine === 'mysql' || engine === 'redis') && arg)
      throw new InputError(input, `${service}: ${engine} takes no argument (all databases are dumped)`);
    const key = `${service}:${engine}:${arg ?? ''}`;
    if (seen.has(key)) throw new InputError(input, `'${raw}' is listed twice`);
    seen.add(key);
    return { service, engine, arg };
  });
}
