/**
 * FerretDB on PostgreSQL, the benchmarks' database: started, written (insert, update by _id,
 * unique key), a find by _id served by an index (the cluster's GIN index), stopped. Skipped where PostgreSQL is not installed.
 */
import { MongoClient, MongoServerError } from 'mongodb';
import { expect, test } from 'vitest';
import { startMongo } from '../lib/stack-mongo.js';
import { postgresBinDir } from '../lib/stack-postgres.js';

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
const planNodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(planNodes)];

test.skipIf(!postgresBinDir())(
  'FerretDB on a PostgreSQL cluster of its own serves writes and stops',
  async () => {
    const server = await startMongo({ backend: 'postgresql' }, {});
    expect(server).toMatchObject({ kind: 'ferretdb', backend: 'postgresql' });
    const client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 }).connect();
    try {
      const docs = client.db('pgcheck').collection<{ _id: string; n: number }>('docs');
      await docs.insertMany(Array.from({ length: 2_000 }, (_, i) => ({ _id: `d${i}`, n: i })));
      expect((await docs.updateOne({ _id: 'd42' }, { $inc: { n: 1 } })).modifiedCount).toBe(1);
      expect(await docs.findOne({ _id: 'd42' })).toEqual({ _id: 'd42', n: 43 });
      // Once-only writes rely on the unique _id.
      const duplicate = await docs.insertOne({ _id: 'd1', n: 0 }).catch((err: unknown) => err);
      expect(duplicate).toBeInstanceOf(MongoServerError);
      expect((duplicate as MongoServerError).code).toBe(11000);
      // FerretDB sends `_jsonb->'_id' @> …`, which only the GIN index the cluster adds can serve.
      // (2,000 documents: once analysed, a table of 100 is read faster by a scan, and is.)
      const explained = await client
        .db('pgcheck')
        .command({ explain: { find: 'docs', filter: { _id: 'd42' } } });
      expect(planNodes(explained.queryPlanner.Plan)).toContainEqual(
        expect.objectContaining({
          'Node Type': expect.stringMatching(/Index Scan/),
          'Index Cond': expect.stringMatching(/_jsonb -> '_id'::text\) @> '"d42"'/),
        }),
      );
    } finally {
      await client.close();
    }
    const port = new URL(server.uri).port;
    await server.stop();
    const stillThere = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 500 }).connect().then(
      async (c) => (await c.close(), true),
      () => false,
    );
    expect(stillThere, `nothing answers on ${port} after stop`).toBe(false);
  },
  120_000,
);
