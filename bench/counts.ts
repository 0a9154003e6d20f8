/**
 * Scenario 6, machine-independent counts: the MongoDB commands and Temporal calls the API
 * makes for one 1,000-item POST /v1/health in which 100 accounts cross into red, and for one
 * POST /v1/tasks/:id/complete. The API is built in this process on a MongoDB client and a
 * Temporal connection metered exactly as server/main.ts meters them (connectMongo,
 * temporalInterceptors), and the figures are the differences of lib/metrics.ts's counters
 * around each request: what production's /metrics would show for it. The worker runs as its own
 * process, so its traffic is not in them. No baseline: the notes give issue #18's goals.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { collections, ensureIndexes } from '../lib/collections.js';
import { loadConfig } from '../lib/config.js';
import { metrics, temporalInterceptors, totalsBy } from '../lib/metrics.js';
import { connectMongo } from '../lib/mongo.js';
import { defaultThresholds, healthBand } from '../language/health-band.js';
import { buildApp } from '../server/app.js';
import { importAccounts } from './accounts.js';
import { figure, Processes, root, scenarioDb, sleep, until, type Figure, type Scenario } from './support.js';

const accountCount = 1000;
/** Every tenth account of the batch goes red; all were green before it. */
const crossesIntoRed = (i: number) => i % 10 === 0;
const redScore = 20;
const greenScore = (i: number) => 75 + (i % 20);

interface Counts {
  mongo: Record<string, number>;
  temporal: Record<string, number>;
  /** The Temporal calls by gRPC status (OK, NOT_FOUND, …). */
  temporalCodes: Record<string, number>;
}

async function readCounts(): Promise<Counts> {
  return {
    mongo: await totalsBy(metrics.mongoCommands, 'command'),
    temporal: await totalsBy(metrics.temporalCalls, 'method'),
    temporalCodes: await totalsBy(metrics.temporalCalls, 'code'),
  };
}

const difference = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k] - (before[k] ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b)),
  );

const total = (byName: Record<string, number>) => Object.values(byName).reduce((a, b) => a + b, 0);
const listed = (byName: Record<string, number>) =>
  Object.entries(byName)
    .map(([name, n]) => `${name} ${n.toLocaleString('en')}`)
    .join(', ') || 'none';

/** The counters' growth while `request` runs, once what it set off in this process has settled. */
async function counted<T>(request: () => Promise<T>): Promise<{ answer: T } & Counts> {
  const before = await readCounts();
  const answer = await request();
  // The API answers after its last command; a moment more catches anything it left running.
  await sleep(500);
  const after = await readCounts();
  return {
    answer,
    mongo: difference(after.mongo, before.mongo),
    temporal: difference(after.temporal, before.temporal),
    temporalCodes: difference(after.temporalCodes, before.temporalCodes),
  };
}

type BatchAnswer = {
  recorded: number;
  failed: number;
  results: Array<{ band?: string; previousBand?: string; enrolments?: Array<{ status: string }> }>;
};

/** One figure for the total, with the breakdown and the goal in its note, then one per name. */
function countFigures(what: string, kind: string, byName: Record<string, number>, goal: string): Figure[] {
  return [
    figure('counts', `${what}: ${kind}`, total(byName), '', undefined, `${listed(byName)}; ${goal}`),
    ...Object.entries(byName).map(([name, n]) => figure('counts', `${what}: ${kind}, ${name}`, n, '')),
  ];
}

export const counts: Scenario = {
  name: 'counts',
  describe:
    'MongoDB commands and Temporal calls made by the API for one 1,000-item health batch (100 into red) and one task completion, counted on the wire',
  // The same sizes with --quick: the figures are counts of one fixed batch, not rates.
  async run({ stack, log }): Promise<Figure[]> {
    const { db, dbName, close } = await scenarioDb(stack, 'counts');
    const processes = new Processes(stack, dbName, `bench-counts-${Date.now().toString(36)}`);
    const mongo = await connectMongo(stack.mongodbUri, dbName);
    const connection = await Connection.connect({
      address: stack.temporalAddress,
      interceptors: temporalInterceptors(),
    });
    const config = loadConfig({
      TEMPORAL_ADDRESS: stack.temporalAddress,
      MONGODB_URI: stack.mongodbUri,
      MONGODB_DB: dbName,
      SMTP_URL: stack.smtpUrl,
      TEMPORAL_TASK_QUEUE: processes.taskQueue,
      ADMIN_TOKEN: processes.token,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000',
    });
    await ensureIndexes(mongo.db);
    const app = await buildApp(
      { config, db: mongo.db, temporal: new Client({ connection, namespace: config.temporalNamespace }) },
      { logger: false },
    );
    try {
      processes.apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      const workerStarted = processes.startWorker();
      const published = await processes.call(
        'POST',
        '/v1/playbooks',
        await readFile(join(root, 'playbooks/low-usage-rescue.yaml'), 'utf8'),
      );
      if (published.status >= 300) throw new Error(`publishing low-usage-rescue: ${published.status}`);
      const csm = await processes.expect<{ user: { id: string }; token: string }>(201, 'POST', '/v1/users', {
        email: 'counts-csm@bench.test',
        name: 'Bench CSM',
        role: 'csm',
      });
      const accounts = await importAccounts(processes, 'counts', accountCount, [csm.user.id], (i) =>
        i % 4 === 0 ? 'high-touch' : 'low-touch',
      );
      // Uncounted: every account green, so the counted batch's red items are crossings.
      const before = await processes.expect<BatchAnswer>(
        200,
        'POST',
        '/v1/health',
        {
          items: accounts.map((accountId) => ({ accountId, score: 90, observedAt: '2026-11-01T00:00:00Z' })),
        },
        { 'idempotency-key': 'counts-green' },
      );
      if (before.failed > 0) throw new Error(`the green batch: ${before.failed} items failed`);

      const items = accounts.map((accountId, i) => ({
        accountId,
        score: crossesIntoRed(i) ? redScore : greenScore(i),
        observedAt: '2026-11-02T00:00:00Z',
      }));
      const crossings = items.filter((item) => healthBand(item.score, defaultThresholds) === 'red').length;
      const batch = await counted(() =>
        processes.expect<BatchAnswer>(
          200,
          'POST',
          '/v1/health',
          { items },
          { 'idempotency-key': 'counts-red' },
        ),
      );
      const enrolments = batch.answer.results
        .flatMap((r) => r.enrolments ?? [])
        .filter((e) => e.status === 'started').length;
      log(
        `counts: batch of ${items.length} (${crossings} into red): ${batch.answer.failed} failed, ${enrolments} enrolments; MongoDB ${total(batch.mongo)} (${listed(batch.mongo)}); Temporal ${total(batch.temporal)} (${listed(batch.temporal)}; by status ${listed(batch.temporalCodes)})`,
      );

      // A rescue run's call task, created by the worker; completed by its CSM, whose token the
      // API has seen once before (as a token cache would hold it).
      await workerStarted;
      const { tasks } = collections(db);
      const task = await until(
        'a rescue call task',
        async () => (await tasks.findOne({ playbookId: 'low-usage-rescue', status: 'open' })) ?? undefined,
        300_000,
        500,
      );
      const asCsm = { authorization: `Bearer ${csm.token}` };
      await processes.expect(200, 'GET', `/v1/tasks/${task._id}`, undefined, asCsm);
      const completion = await counted(() =>
        processes.expect(
          200,
          'POST',
          `/v1/tasks/${task._id}/complete`,
          { outcome: task.outcomes[0] ?? 'reached' },
          asCsm,
        ),
      );
      log(
        `counts: one completion: MongoDB ${total(completion.mongo)} (${listed(completion.mongo)}); Temporal ${total(completion.temporal)} (${listed(completion.temporal)}; by status ${listed(completion.temporalCodes)})`,
      );

      const what = `POST /v1/health, ${items.length.toLocaleString('en')} items, ${crossings} into red, ${enrolments} enrolments`;
      const roundTrips = total(completion.mongo) + total(completion.temporal);
      return [
        ...countFigures(
          what,
          'MongoDB commands',
          batch.mongo,
          `goal ≤ 60 + 6 per enrolment = ${60 + 6 * enrolments} (issue #18)`,
        ),
        // No run was live before the batch, so none needed its news: the goal is the starts.
        ...countFigures(
          what,
          'Temporal calls',
          batch.temporal,
          `by status ${listed(batch.temporalCodes)}; goal ≤ 1 per enrolment + 1 per live run that needs the news = ${enrolments} (issue #18; no run was live before the batch)`,
        ),
        ...countFigures(
          'POST /v1/tasks/:id/complete',
          'MongoDB commands',
          completion.mongo,
          'see commands and calls',
        ),
        ...countFigures(
          'POST /v1/tasks/:id/complete',
          'Temporal calls',
          completion.temporal,
          `by status ${listed(completion.temporalCodes)}; see commands and calls`,
        ),
        figure(
          'counts',
          'POST /v1/tasks/:id/complete: commands and calls (MongoDB + Temporal)',
          roundTrips,
          '',
          undefined,
          "as the task's CSM, a token the API had seen once; in three sequential round trips (the read; the decision's insert and its projection, sent together; the signal) and the delivery's record after the answer, as test/api/tasks.test.ts checks on the wire (issue #18's goal: ≤ 3 round trips)",
        ),
      ];
    } finally {
      await processes.stop();
      await app.close();
      await connection.close();
      await mongo.close();
      await close();
    }
  },
};
