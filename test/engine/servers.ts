/**
 * Real servers for the engine's tests: the Temporal dev server (the CLI from .tools) and a
 * MongoDB-protocol database (MONGODB_URI, else FerretDB from .tools). Kept small on purpose;
 * one instance per test file, stopped in afterAll.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePort } from '../../lib/free-port.js';
import { spawnServer, waitUntilReady, type ServerProcess } from '../../lib/stack-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface EngineServers {
  env: TestWorkflowEnvironment;
  mongo: MongoClient;
  db: Db;
  taskQueue: string;
  stop(): Promise<void>;
}

async function startMongo(): Promise<{ uri: string; stop: () => Promise<void> }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'retain-engine-db-'));
  const port = await freePort();
  const server: ServerProcess = spawnServer('ferretdb', join(root, '.tools/bin/ferretdb'), [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    `--state-dir=${dir}`,
    '--log-level=WARN',
  ]);
  const uri = `mongodb://127.0.0.1:${port}/`;
  await waitUntilReady(
    server,
    async () => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
      try {
        await client.db('admin').command({ ping: 1 });
        return true;
      } finally {
        await client.close();
      }
    },
    30_000,
  );
  return {
    uri,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startEngineServers(): Promise<EngineServers> {
  // Worker lifecycle chatter hides test failures; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const mongoServer = await startMongo();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: join(root, '.tools/py/bin/temporal') }, ui: false, log: { format: 'pretty', level: 'warn' } },
  });
  const mongo = new MongoClient(mongoServer.uri);
  await mongo.connect();
  const db = mongo.db(`engine_${randomUUID().slice(0, 8)}`);
  return {
    env,
    mongo,
    db,
    taskQueue: `engine-${randomUUID().slice(0, 8)}`,
    stop: async () => {
      await mongo.close();
      await env.teardown();
      await mongoServer.stop();
    },
  };
}
