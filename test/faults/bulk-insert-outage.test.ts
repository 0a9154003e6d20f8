/**
 * An unordered bulk insert cut off by the database going away must fail, not pass for "every
 * document already there". The driver reports an insertMany that never reached the server
 * (connection refused) as a MongoBulkWriteError with no write errors; `insertManyIfAbsent`
 * took that for "only duplicate keys" and answered that it had written every document. Health
 * ingest then acknowledged observations it never stored (the fault suite's database restart
 * found it: an account one observation short). Real FerretDB, stopped under the client.
 */
import { expect, test } from 'vitest';
import { MongoClient } from 'mongodb';
import { insertManyIfAbsent } from '../../lib/mongo.js';
import { until, useStandaloneFerretdb } from './support.js';

const ferretdb = useStandaloneFerretdb('retain-bulk-outage-');

const docs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ _id: `${prefix}-${i}`, n: i }));

test('duplicates are "already there"; the rest are written and reported as written by this call', async () => {
  const client = await new MongoClient(ferretdb.url).connect();
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
  const client = await new MongoClient(ferretdb.url, {
    serverSelectionTimeoutMS: 2_000,
  }).connect();
  try {
    const c = client.db('outage').collection<{ _id: string; n: number }>('cut');
    await insertManyIfAbsent(c, docs('before', 10));
    await ferretdb.stop();
    // Every attempt while it is down must throw; none may answer with ids it did not write.
    const answers: Array<Set<string> | Error> = [];
    for (let i = 0; i < 5; i++)
      answers.push(await insertManyIfAbsent(c, docs(`down${i}`, 50)).catch((err: Error) => err));
    expect(answers.filter((a) => !(a instanceof Error))).toEqual([]);
    await ferretdb.start();
    const stored = await until('the database back', () => c.countDocuments());
    expect(stored).toBe(10);
  } finally {
    await client.close();
  }
}, 120_000);
