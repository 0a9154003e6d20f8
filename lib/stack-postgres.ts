/**
 * A throwaway PostgreSQL cluster for FerretDB's PostgreSQL backend. FerretDB on SQLite answers
 * only `find` and `insert` by `_id` from the primary key; every update scans its collection.
 * On PostgreSQL it uses the key for updates as well (measured here: an updateOne by _id on
 * 10,000 documents took 5.6 ms, against 48 ms on SQLite). The benchmarks use it when the
 * machine has PostgreSQL's server binaries (Debian's `postgresql` package).
 *
 * FerretDB 1.24 pushes an equality down as jsonb containment, `_jsonb->'_id' @> '"x"'`, which
 * the btree index it makes on `_jsonb->'_id'` cannot serve: every find by `_id` scans its table
 * (12.6 ms on 10,000 accounts, growing with the table). The cluster therefore gets an event
 * trigger that gives every table FerretDB creates a GIN index on `_jsonb->'_id'`, which serves
 * `@>` (0.1 ms), and plans each statement with its values (`plan_cache_mode`): FerretDB sends
 * the key as a parameter, and a generic plan for `_jsonb->$1` matches no index.
 *
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnServer, waitUntilReady, type ServerProcess } from './stack-process.js';

/** The newest installed PostgreSQL's bin directory, or undefined. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return existsSync(join(dir, 'postgres')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

export interface Postgres {
  /** A URL FerretDB's `--postgresql-url` takes. */
  url: string;
  stop(): Promise<void>;
}

/** Initialises a cluster in `dir` (which must be new or a previous cluster of ours) and starts it. */
export async function startPostgres(dir: string, timeoutMs = 60_000): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (Debian: apt-get install postgresql)');
  const asRoot = process.getuid?.() === 0;
  // As root: run as `postgres`, which must own the directory.
  const as = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await mkdir(dir, { recursive: true });
  if (asRoot)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    );
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    const [cmd, args] = as(join(bin, 'initdb'), [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    try {
      execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(
        `PostgreSQL initdb failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`,
      );
    }
  }
  const port = await freePort();
  // synchronous_commit=off: a crash may lose the last few commits but never corrupts; FerretDB
  // on SQLite does not sync each commit either.
  const [cmd, args] = as(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'synchronous_commit=off',
    '-c',
    'max_connections=400',
    '-c',
    'plan_cache_mode=force_custom_plan',
  ]);
  const server: ServerProcess = spawnServer('PostgreSQL', cmd, args);
  try {
    await waitUntilReady(server, async () => isReady(bin, port), timeoutMs);
    const [psql, psqlArgs] = as(join(bin, 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-c',
      idIndexTrigger,
    ]);
    execFileSync(psql, psqlArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

/** A GIN index on `_jsonb->'_id'` for every new table with FerretDB's `_jsonb` column. */
const idIndexTrigger = `
CREATE OR REPLACE FUNCTION retain_index_id() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE created record;
BEGIN
  FOR created IN SELECT objid, object_identity FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = created.objid AND attname = '_jsonb' AND NOT attisdropped) THEN
      EXECUTE format('CREATE INDEX ON %s USING gin ((_jsonb->''_id''))', created.object_identity);
    END IF;
  END LOOP;
END $$;
DROP EVENT TRIGGER IF EXISTS retain_index_id;
CREATE EVENT TRIGGER retain_index_id ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION retain_index_id();
`;

function isReady(bin: string, port: number): boolean {
  try {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
