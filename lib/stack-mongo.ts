import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { freePort } from './free-port.js';
import { postgresBinDir, startPostgres } from './stack-postgres.js';
import { spawnServer, waitUntilReady, type ServerProcess } from './stack-process.js';
import { toolPath } from './tools.js';

/** Built by scripts/install-tools.sh from the Go module proxy. */
export const ferretdbPath = toolPath('bin/ferretdb');

export interface MongoServer {
  uri: string;
  /** What answers on `uri`: code must work on both real MongoDB and FerretDB. */
  kind: 'external' | 'mongod' | 'ferretdb' | 'mongodb-memory-server';
  /** FerretDB's storage. */
  backend?: FerretdbBackend;
  /** FerretDB's PostgreSQL cluster, when we started one (backend 'postgresql'). */
  postgresUrl?: string;
  stop(): Promise<void>;
}

export interface MongoOptions {
  /** Keeps data across restarts (dev runs); a temporary directory removed on stop when absent. */
  dataDir?: string;
  logFile?: string;
  readyTimeoutMs?: number;
  /**
   * FerretDB's storage: SQLite files (the default), or a PostgreSQL cluster started beside it
   * (see stack-postgres.ts). RETAIN_FERRETDB_BACKEND sets it when this does not.
   */
  backend?: FerretdbBackend;
}

export type FerretdbBackend = 'sqlite' | 'postgresql';

/** PostgreSQL where its server binaries are installed (its updates use the primary key; SQLite's scan), else SQLite. */
export function fasterFerretdbBackend(): FerretdbBackend {
  return postgresBinDir() ? 'postgresql' : 'sqlite';
}

/**
 * A MongoDB-protocol server, in order of preference: MONGODB_URI, a `mongod` on the PATH,
 * FerretDB from .tools (no package registry ships a mongod; npm run setup builds FerretDB), and
 * mongodb-memory-server (which downloads mongod, so only on a machine with internet).
 */
/**
 * FerretDB's arguments: SQLite files in `dir`. Its default busy timeout (10 s) lets a writer
 * starved by 50 concurrent ones fail with SQLITE_BUSY; a minute makes it wait as a MongoDB
 * server would queue it (WAL stays on, FerretDB adds it).
 */
export function ferretdbArgs(dir: string, port: number, logLevel = 'warn', postgresqlUrl?: string): string[] {
  return [
    ...(postgresqlUrl
      ? ['--handler=postgresql', `--postgresql-url=${postgresqlUrl}`]
      : ['--handler=sqlite', `--sqlite-url=file:${dir}/?_pragma=busy_timeout(60000)`]),
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    `--log-level=${logLevel}`,
  ];
}

/** Whether `startMongo` has a server without downloading one: MONGODB_URI, `mongod` on the PATH, or FerretDB. */
export function mongoInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.MONGODB_URI) || existsSync(ferretdbPath) || onPath('mongod') !== undefined;
}

export async function startMongo(
  options: MongoOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<MongoServer> {
  const timeout = options.readyTimeoutMs ?? 30_000;
  if (env.MONGODB_URI) {
    await waitForPing(env.MONGODB_URI, timeout);
    return { uri: env.MONGODB_URI, kind: 'external', stop: async () => {} };
  }
  const mongod = onPath('mongod');
  if (mongod) {
    return startProcess('mongod', options, timeout, (port, dir) => [
      mongod,
      ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dir, '--quiet'],
    ]);
  }
  if (existsSync(ferretdbPath)) {
    const backend =
      options.backend ?? (env.RETAIN_FERRETDB_BACKEND as FerretdbBackend | undefined) ?? 'sqlite';
    if (backend === 'postgresql') return startFerretdbOnPostgres(options, timeout);
    const server = await startProcess('ferretdb', options, timeout, (port, dir) => [
      ferretdbPath,
      ferretdbArgs(dir, port),
    ]);
    return { ...server, backend };
  }
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  const memory = await MongoMemoryServer.create({ instance: { ip: '127.0.0.1' } });
  return {
    uri: memory.getUri(),
    kind: 'mongodb-memory-server',
    stop: async () => void (await memory.stop()),
  };
}

async function startProcess(
  kind: 'mongod' | 'ferretdb',
  options: MongoOptions,
  timeoutMs: number,
  command: (port: number, dir: string) => [string, string[]],
): Promise<MongoServer> {
  const temporary = !options.dataDir;
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `retain-${kind}-`)));
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const [bin, args] = command(port, dir);
  const uri = `mongodb://127.0.0.1:${port}/`;
  let server: ServerProcess | undefined;
  const stop = async () => {
    await server?.stop();
    if (temporary) await rm(dir, { recursive: true, force: true });
  };
  try {
    server = spawnServer(kind === 'ferretdb' ? 'FerretDB' : 'mongod', bin, args, {
      logFile: options.logFile,
      scratchDir: temporary ? dir : undefined,
    });
    await waitUntilReady(server, () => pings(uri), timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { uri, kind, stop };
}

/** FerretDB on a PostgreSQL cluster of its own; stopped in that order. */
async function startFerretdbOnPostgres(options: MongoOptions, timeoutMs: number): Promise<MongoServer> {
  // The cluster's directory must be reachable by the `postgres` user when we are root, so a
  // temporary one sits directly in the temporary directory, not inside one of ours (0700).
  const dirs = options.dataDir
    ? { ferretdb: join(options.dataDir, 'ferretdb'), postgres: join(options.dataDir, 'postgres') }
    : {
        ferretdb: await mkdtemp(join(tmpdir(), 'retain-ferretdb-')),
        postgres: await mkdtemp(join(tmpdir(), 'retain-postgres-')),
      };
  const removeTemporary = async () => {
    if (options.dataDir) return;
    for (const dir of Object.values(dirs)) await rm(dir, { recursive: true, force: true });
  };
  const postgres = await startPostgres(dirs.postgres, timeoutMs).catch(async (err: unknown) => {
    await removeTemporary();
    throw err;
  });
  try {
    const ferretdb = await startProcess(
      'ferretdb',
      { ...options, dataDir: dirs.ferretdb },
      timeoutMs,
      (port, state) => [ferretdbPath, ferretdbArgs(state, port, 'warn', postgres.url)],
    );
    return {
      ...ferretdb,
      backend: 'postgresql',
      postgresUrl: postgres.url,
      stop: async () => {
        await ferretdb.stop();
        await postgres.stop();
        await removeTemporary();
      },
    };
  } catch (err) {
    await postgres.stop();
    await removeTemporary();
    throw err;
  }
}

async function pings(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

async function waitForPing(uri: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pings(uri))) {
    if (Date.now() > deadline) throw new Error('MongoDB at MONGODB_URI does not answer a ping');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function onPath(command: string): string | undefined {
  try {
    return execFileSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
