/**
 * A throwaway PostgreSQL cluster for FerretDB's PostgreSQL backend. FerretDB on SQLite answers
 * only `find` and `insert` by `_id` from the primary key; every update scans its collection.
 * On PostgreSQL it uses the key for updates as well (measured here: an updateOne by _id on
 * 10,000 documents took 5.6 ms, against 48 ms on SQLite). The benchmarks use it when the
 * machine has PostgreSQL's server binaries (Debian's `postgresql` package).
 *
 * FerretDB 1.24 pushes an equality down as jsonb containment, `_jsonb->'_id' @> '"x"'`, which
 * the btree index it makes on `_jsonb->'_id'` cannot serve: every find by `_id` scans its table
 * (12.6 ms on 10,000 accounts, growing with the table), and so does every other equality (a
 * CSM's tasks by `assignee`). The cluster therefore runs `postgresIndexSql` at its start, which
 * gives every table FerretDB creates a GIN index on `_jsonb->'_id'`, which serves `@>` (0.1 ms),
 * and one on each field the declared indexes match by equality; and it plans each statement with
 * its values (`plan_cache_mode`): FerretDB sends the key as a parameter, and a generic plan for
 * `_jsonb->$1` matches no index.
 *
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { indexDeclarations } from './collections.js';
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
      postgresIndexSql(),
    ]);
    execFileSync(psql, psqlArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

/**
 * The jsonb paths FerretDB needs a GIN index on, per collection: every field a declared index
 * (lib/collections.ts) matches by equality (`_id`, which every table gets, aside). FerretDB
 * sends a top-level field as `_jsonb->'field'` and a dotted one as `_jsonb#>'{a,b}'`; the
 * index's expression must be the same for the planner to use it.
 */
export function postgresIndexFields(): Array<{ collection: string; field: string; expression: string }> {
  const wanted = new Map<string, Set<string>>();
  for (const { collection, index } of indexDeclarations) {
    const fields = wanted.get(collection) ?? new Set<string>();
    for (const field of index.equal) if (field !== '_id') fields.add(field);
    wanted.set(collection, fields);
  }
  return [...wanted].flatMap(([collection, fields]) =>
    [...fields].map((field) => ({ collection, field, expression: jsonbPath(field) })),
  );
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `_jsonb->'field'`, or `_jsonb#>'{a,b}'` for a dotted path, as FerretDB 1.24 writes it. */
function jsonbPath(field: string): string {
  const parts = field.split('.');
  if (parts.length === 1) return `_jsonb->${sqlString(field)}`;
  return `_jsonb#>${sqlString(`{${parts.map((p) => `"${p.replace(/["\\]/g, '\\$&')}"`).join(',')}}`)}`;
}

/**
 * The SQL that makes FerretDB 1.24's equalities index-served on a PostgreSQL cluster, for
 * every FerretDB database in it, now and later; idempotent. The bench's and the tests' cluster
 * runs it at start; on a production cluster an operator runs it once (`retain indexes
 * --postgres-sql | psql "$URL"`, README) and again after an upgrade that declares new indexes.
 *
 * FerretDB keeps, per database (a schema), a table `_ferretdb_database_metadata` with one row
 * per collection, `{ _id: <collection>, table: <its table> }`, inserted just after it creates
 * the table. `retain_index_collection` gives a collection's table a GIN index on `_jsonb->'_id'`
 * and on each of its equality fields (postgresIndexFields): jsonb containment, `@>`, is what
 * FerretDB sends, and a GIN index serves it (the btree indexes FerretDB makes do not). A row
 * trigger on every metadata table calls it for each new collection (an event trigger attaches
 * it to the metadata table of each new database); the last block does the same for the
 * databases and collections already there. An index it cannot make is a warning, never a
 * failed collection create.
 */
export function postgresIndexSql(): string {
  const wanted = [{ collection: null, field: '_id', expression: jsonbPath('_id') }, ...postgresIndexFields()]
    .map(({ collection, field, expression }) => {
      const slug = field.replace(/[^A-Za-z0-9]/g, '_').toLowerCase();
      return `(${collection === null ? 'NULL' : sqlString(collection)}, ${sqlString(slug)}, ${sqlString(expression)})`;
    })
    .join(',\n      ');
  return `
SET client_min_messages = warning;
CREATE OR REPLACE FUNCTION retain_index_collection(schema_name text, collection_name text, table_name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE wanted record;
BEGIN
  FOR wanted IN SELECT w.slug, w.expression FROM (VALUES
      ${wanted}
    ) AS w (collection, slug, expression) WHERE w.collection IS NULL OR w.collection = collection_name LOOP
    BEGIN
      EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((%s))',
        left(table_name, 40) || '_' || left(wanted.slug, 14) || '_' || left(md5(wanted.expression), 4) || '_gin',
        schema_name, table_name, wanted.expression);
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING 'retain: no index on %.% (%): %', schema_name, table_name, wanted.expression, SQLERRM;
    END;
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION retain_index_new_collection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM retain_index_collection(TG_TABLE_SCHEMA, NEW._jsonb->>'_id', NEW._jsonb->>'table');
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION retain_watch_metadata(schema_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS retain_index_new_collection ON %I._ferretdb_database_metadata', schema_name);
  EXECUTE format('CREATE TRIGGER retain_index_new_collection AFTER INSERT ON %I._ferretdb_database_metadata FOR EACH ROW EXECUTE FUNCTION retain_index_new_collection()', schema_name);
END $$;

CREATE OR REPLACE FUNCTION retain_watch_new_database() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE created record;
BEGIN
  FOR created IN SELECT n.nspname FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE d.command_tag = 'CREATE TABLE' AND d.object_type = 'table' AND c.relname = '_ferretdb_database_metadata' LOOP
    PERFORM retain_watch_metadata(created.nspname);
  END LOOP;
END $$;
DROP EVENT TRIGGER IF EXISTS retain_index_id;
DROP EVENT TRIGGER IF EXISTS retain_watch_new_database;
CREATE EVENT TRIGGER retain_watch_new_database ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION retain_watch_new_database();

DO $$
DECLARE db record; coll record;
BEGIN
  FOR db IN SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = '_ferretdb_database_metadata' AND c.relkind = 'r' LOOP
    PERFORM retain_watch_metadata(db.nspname);
    FOR coll IN EXECUTE format('SELECT _jsonb->>''_id'' AS name, _jsonb->>''table'' AS tbl FROM %I._ferretdb_database_metadata', db.nspname) LOOP
      PERFORM retain_index_collection(db.nspname, coll.name, coll.tbl);
    END LOOP;
  END LOOP;
END $$;
`;
}

function isReady(bin: string, port: number): boolean {
  try {
    execFileSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
