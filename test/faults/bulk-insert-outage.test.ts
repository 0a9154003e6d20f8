/**
 * An unordered bulk insert cut off by the database going away must fail, not pass for "every
 * document already there". The driver reports an insertMany that never reached the server
 * (connection refused) as a MongoBulkWriteError with no write errors; `insertManyIfAbsent`
 * took that for "only duplicate keys" and answered that it had written every document. Health
 * ingest then acknowledged observations it never stored (the fault suite's database restart
 * found it: an account one observation short). Real FerretDB, stopped under the client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MongoClient } from 'mongodb';
import { freePort } from '../../lib/free-port.js';
import { insertManyIfAbsent } from '../../lib/mongo.js';
import { ferretdbArgs, ferretdbPath } from '../../lib/stack-mongo.js';
import { spawnServer, type ServerProcess } from '../../lib/stack-process.js';
import { until } from './support.js';

let dir = '';
let port = 0;
let server: ServerProcess | undefined;

async function startServer() {
  server = spawnServer('FerretDB', ferretdbPath, ferretdbArgs(dir, port, 'error'));
  await until('FerretDB', async () => {
    const c = await new MongoClient(`mongodb://127.0.0.1:${port}/`, {
      serverSelectionTimeoutMS: 1_000,
    }).connect();
    await c.db('admin').command({ ping: 1 });
    await c.close();
    return true;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'retain-bulk-outage-'));
  port = await freePort();
  await startServer();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const docs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ _id: `${prefix}-${i}`, n: i }));

test('duplicates are "already there"; the rest are written and reported as written by this call', async () => {
  const client = await new MongoClient(`mongodb://127.0.0.1:${port}/`).connect();
  try {
    const c = client.db('outage').collection<{ _id: string; n: number }>('dups');
    expect(await insertManyIfAbsent(c, docs('d', 2))).toEqual(new Set(['d-0', 'd-1']));
    expect(await insertManyIfAbsent(c, docs('d', 4))).toEqual(new Set(['d-2', 'd-3']));
    expect(await c.countDocuments()).toBe(4);
  } finally {
    await client.close();
  }
});

test('an insert the stopped database never received is an error, and nothing is claimed', async () => {
  const client = await new MongoClient(`mongodb://127.0.0.1:${port}/`, {
    serverSelectionTimeoutMS: 2_000,
  }).connect();
  try {
    const c = client.db('outage').collection<{ _id: string; n: number }>('cut');
    await insertManyIfAbsent(c, docs('before', 10));
    await server!.stop();
    // Every attempt while it is down must throw; none may answer with ids it did not write.
    const answers: Array<Set<string> | Error> = [];
    for (let i = 0; i < 5; i++)
      answers.push(await insertManyIfAbsent(c, docs(`down${i}`, 50)).catch((err: Error) => err));
    expect(answers.filter((a) => !(a instanceof Error))).toEqual([]);
    await startServer();
    const stored = await until('the database back', () => c.countDocuments());
    expect(stored).toBe(10);
  } finally {
    await client.close();
  }
}, 120_000);
