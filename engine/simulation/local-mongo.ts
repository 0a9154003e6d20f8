/**
 * A throw-away MongoDB-protocol database for a simulation: MONGODB_URI when given (a database
 * of our own is created and dropped in it), else FerretDB from the project's .tools on a
 * temporary directory, removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from '../../lib/free-port.js';
import { ferretdbArgs } from '../../lib/stack-mongo.js';
import { spawnServer, waitUntilReady } from '../../lib/stack-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalMongo {
  uri: string;
  stop(): Promise<void>;
}

async function ping(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}

export async function startLocalMongo(
  env: Record<string, string | undefined> = process.env,
): Promise<LocalMongo> {
  if (env.MONGODB_URI) return { uri: env.MONGODB_URI, stop: async () => {} };
  const binary = join(root, '.tools/bin/ferretdb');
  if (!existsSync(binary))
    throw new Error('no database: set MONGODB_URI, or run "npm run setup" to build FerretDB into .tools/bin');
  const dir = await mkdtemp(join(tmpdir(), 'retain-sim-db-'));
  const port = await freePort();
  const server = spawnServer('ferretdb', binary, ferretdbArgs(dir, port));
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitUntilReady(server, () => ping(uri), 30_000);
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    uri,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
