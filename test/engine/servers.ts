/**
 * Real servers for the engine's tests: the Temporal dev server (the CLI from .tools) and a
 * MongoDB-protocol database (MONGODB_URI, else FerretDB from .tools). Kept small on purpose;
 * one instance per test file, stopped in afterAll.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { startMongo } from '../../lib/stack-mongo.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { retainSearchAttributes } from '../../workflows/search-attributes.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface EngineServers {
  env: TestWorkflowEnvironment;
  mongo: MongoClient;
  mongoUri: string;
  db: Db;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startEngineServers(): Promise<EngineServers> {
  // Worker lifecycle chatter hides test failures; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const mongoServer = await startMongo();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: join(root, '.tools/py/bin/temporal') },
      ui: false,
      log: { format: 'pretty', level: 'warn' },
      searchAttributes: [...retainSearchAttributes],
    },
  });
  const mongo = new MongoClient(mongoServer.uri);
  await mongo.connect();
  const db = mongo.db(`engine_${randomUUID().slice(0, 8)}`);
  return {
    env,
    mongo,
    mongoUri: mongoServer.uri,
    db,
    taskQueue: `engine-${randomUUID().slice(0, 8)}`,
    stop: async () => {
      await mongo.close();
      await env.teardown();
      await mongoServer.stop();
    },
  };
}
