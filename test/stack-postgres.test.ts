/**
 * FerretDB on PostgreSQL, the benchmarks' database: started, written (insert, update by _id,
 * unique key), a find by _id served by an index (the cluster's GIN index), stopped; the
 * expression indexes that serve the declared indexes' equality fields made for each collection,
 * used by a CSM's task list, and made again by the operators' SQL when missing. Skipped where
 * PostgreSQL is not installed, but for the check of the SQL against the declarations.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MongoClient, MongoServerError } from 'mongodb';
import { expect, test } from 'vitest';
import { ensureIndexes, indexDeclarations, indexKey } from '../lib/collections.js';
import { startMongo } from '../lib/stack-mongo.js';
import { postgresBinDir, postgresIndexFields, postgresIndexSql } from '../lib/stack-postgres.js';

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

test('every equality field of a declared index gets an expression index on PostgreSQL', () => {
  const fields = postgresIndexFields();
  const sql = postgresIndexSql();
  for (const { collection, index } of indexDeclarations) {
    for (const field of index.equal.filter((f) => f !== '_id')) {
      expect(fields, `${collection}.${field}`).toContainEqual({
        collection,
        field,
        expression: `_jsonb->'${field}'`,
      });
      expect(sql).toContain(`('${collection}', '${field.toLowerCase()}', '_jsonb->''${field}''')`);
    }
  }
  // Nothing but declared fields, each once: an expression index costs every write.
  expect(fields).toHaveLength(new Set(fields.map((f) => `${f.collection}.${f.field}`)).size);
  // The queries the issue names, equality fields first, then the sort, ending in _id where a list pages.
  const keys = indexDeclarations.map(({ collection, index }) => [collection, indexKey(index)]);
  expect(keys).toContainEqual(['tasks', { assignee: 1, due: 1, _id: 1 }]);
  expect(keys).toContainEqual(['tasks', { assignee: 1, status: 1, due: 1, _id: 1 }]);
  expect(keys).toContainEqual(['tasks', { runId: 1 }]);
  expect(keys).toContainEqual(['tasks', { pendingDelivery: 1 }]);
  expect(keys).toContainEqual(['runs', { accountId: 1, startedAt: -1, _id: 1 }]);
  expect(keys).toContainEqual(['runs', { accountId: 1, status: 1 }]);
  expect(keys).toContainEqual(['runs', { accountId: 1, playbookId: 1, endedAt: -1 }]);
  expect(keys).toContainEqual(['enrolments', { accountId: 1 }]);
});

test.skipIf(!postgresBinDir())(
  "FerretDB's tables get an expression index per declared equality field, and a CSM's task list uses it",
  async () => {
    const server = await startMongo({ backend: 'postgresql' }, {});
    expect(server.postgresUrl).toBeDefined();
    const psql = (sql: string) =>
      execFileSync(
        join(postgresBinDir()!, 'psql'),
        [server.postgresUrl!, '-Atq', '-v', 'ON_ERROR_STOP=1', '-c', sql],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ).trim();
    const client = await new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 }).connect();
    try {
      const db = client.db('pgindexes');
      await ensureIndexes(db);
      const tables = new Map(
        psql(`SELECT _jsonb->>'_id', _jsonb->>'table' FROM pgindexes._ferretdb_database_metadata`)
          .split('\n')
          .map((line) => line.split('|') as [string, string]),
      );
      /** The name of the GIN index on `_jsonb->'field'` of `table`, if there is one. */
      const ginIndex = (table: string, field: string) =>
        psql(
          `SELECT indexname FROM pg_indexes WHERE schemaname = 'pgindexes' AND tablename = '${table}' ` +
            `AND indexdef LIKE '%USING gin (((_jsonb -> ''${field}''::text)))'`,
        ) || undefined;
      for (const { collection, field } of postgresIndexFields()) {
        expect(tables.get(collection), collection).toBeDefined();
        expect(ginIndex(tables.get(collection)!, field), `${collection}.${field}`).toBeDefined();
      }
      for (const table of tables.values()) expect(ginIndex(table, '_id'), table).toBeDefined();

      const tasks = db.collection<{ _id: string; assignee: string; status: string; due: Date }>('tasks');
      await tasks.insertMany(
        Array.from({ length: 2_000 }, (_, i) => ({
          _id: `task-${i}`,
          assignee: `csm-${i % 50}`,
          status: 'open',
          due: new Date(Date.UTC(2026, 0, 1 + (i % 30))),
        })),
      );
      // A CSM's list (server/repositories/tasks.ts): FerretDB sends the equality as `@>`.
      const explained = await db.command({
        explain: { find: 'tasks', filter: { assignee: 'csm-7' }, sort: { due: 1, _id: 1 }, limit: 50 },
      });
      expect(planNodes(explained.queryPlanner.Plan)).toContainEqual(
        expect.objectContaining({
          'Node Type': expect.stringMatching(/Index Scan/),
          'Index Cond': expect.stringMatching(/_jsonb -> 'assignee'::text\) @> '"csm-7"'/),
        }),
      );
      const page = await tasks.find({ assignee: 'csm-7' }).sort({ due: 1, _id: 1 }).limit(50).toArray();
      expect(page).toHaveLength(40);
      expect(await tasks.countDocuments({ assignee: 'csm-7' })).toBe(40);

      // A cluster that lacks one (a table made before the SQL was run): the operators' SQL makes it.
      const tasksTable = tables.get('tasks')!;
      psql(`DROP INDEX pgindexes."${ginIndex(tasksTable, 'assignee')}"`);
      expect(ginIndex(tasksTable, 'assignee')).toBeUndefined();
      psql(postgresIndexSql());
      expect(ginIndex(tasksTable, 'assignee')).toBeDefined();
    } finally {
      await client.close();
      await server.stop();
    }
  },
  120_000,
);
