/**
 * Health and event batches as sets, against the real Temporal dev server and database: items of
 * one account in `observedAt` order, an item's failure its own, a retry replayed, concurrent
 * batches on one account triggering once, the commands a batch costs, and signals only to the
 * live runs whose playbook reads the news. No worker runs: a started run stays open, and the
 * test writes its run document with the worker's own activity, as the worker would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { createEngine, type Engine } from '../../engine/index.js';
import { createRunRecordActivities } from '../../activities/run-records.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { collections } from '../../lib/collections.js';
import type { EnrolmentResult } from '../../lib/documents.js';
import type { RunInput } from '../../workflows/contract.js';
import { account, insertAccounts, publish, rescuePlaybook, steps } from './fixtures.js';
import { startEngineServers, type EngineServers } from './servers.js';

let servers: EngineServers;
let engine: Engine;
let monitored: MongoClient;
const commands: string[] = [];

beforeAll(async () => {
  servers = await startEngineServers();
  // The engine's own client, counting every command it sends on the wire.
  monitored = new MongoClient(servers.mongoUri, { monitorCommands: true });
  monitored.on('commandStarted', (e: CommandStartedEvent) => commands.push(e.commandName));
  await monitored.connect();
  engine = createEngine({
    db: monitored.db(servers.db.databaseName),
    temporal: servers.env.client,
    taskQueue: servers.taskQueue,
  });
  await publish(servers.db, rescuePlaybook());
}, 120_000);
afterAll(async () => {
  await monitored?.close();
  await servers?.stop();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 0, minute));
const started = (enrolments: EnrolmentResult[]) => enrolments.filter((e) => e.status === 'started');

/** The run document the worker writes when a run starts (activities/run-records.ts). */
async function recordStarted(enrolment: EnrolmentResult): Promise<void> {
  const handle = servers.env.client.workflow.getHandle(enrolment.workflowId);
  const history = await handle.fetchHistory();
  const event = history.events![0].workflowExecutionStartedEventAttributes!;
  const input = JSON.parse(Buffer.from(event.input!.payloads![0].data!).toString('utf8')) as RunInput;
  await createRunRecordActivities({ db: servers.db } as ActivityDeps).recordRunStarted({
    runId: enrolment.runId!,
    workflowId: enrolment.workflowId,
    firstExecutionRunId: event.originalExecutionRunId!,
    input,
    startedAt: new Date().toISOString(),
  });
}

async function signalsReceived(workflowId: string): Promise<number> {
  const history = await servers.env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

describe('health batches', () => {
  it("applies one account's items in observedAt order, each seeing the one before as previous", async () => {
    await insertAccounts(servers.db, [account('order-1')]);
    const answers = await engine.ingestHealthBatch([
      { accountId: 'order-1', score: 30, observedAt: at(3) },
      { accountId: 'order-1', score: 90, observedAt: at(1) },
      { accountId: 'order-1', score: 55, observedAt: at(2) },
      { accountId: 'order-1', score: 10, observedAt: at(0) },
    ]);
    const results = answers.map((a) => (a.ok ? a.result : null));
    expect(results.map((r) => [r?.band, r?.previousBand, r?.stale])).toEqual([
      ['red', 'yellow', false],
      ['green', 'red', false],
      ['yellow', 'green', false],
      ['red', 'none', false],
    ]);
    // Red came first (from none) and last (from yellow): the first, in observedAt order, starts
    // the run; the second finds it running.
    expect(started(results[3]!.enrolments)).toHaveLength(1);
    expect(results[0]!.enrolments).toEqual([expect.objectContaining({ status: 'already_running' })]);
    const stored = await collections(servers.db).accounts.findOne({ _id: 'order-1' });
    expect(stored?.health).toMatchObject({ score: 30, band: 'red' });
    expect(stored?.previousHealth).toMatchObject({ score: 55, band: 'yellow' });
    // An observation older than the account's current one is recorded and changes nothing.
    const [late] = await engine.ingestHealthBatch([{ accountId: 'order-1', score: 95, observedAt: at(2) }]);
    expect(late.ok && late.result).toMatchObject({ stale: true, band: 'green', enrolments: [] });
  });

  it("reports an item's failure as its own and records the others", async () => {
    await insertAccounts(servers.db, [account('part-1'), account('part-2')]);
    const answers = await engine.ingestHealthBatch([
      { accountId: 'part-1', score: 80 },
      { accountId: 'no-such-account', score: 20 },
      { accountId: 'part-2', score: 70 },
    ]);
    expect(answers.map((a) => a.ok)).toEqual([true, false, true]);
    expect(!answers[1].ok && answers[1].error).toMatchObject({ statusCode: 404, code: 'not_found' });
    const observations = await collections(servers.db)
      .healthObservations.find({ accountId: { $in: ['part-1', 'part-2', 'no-such-account'] } })
      .toArray();
    expect(observations.map((o) => o.accountId).sort()).toEqual(['part-1', 'part-2']);
  });

  it('replays a retried batch (same keys): the same answers, nothing written twice', async () => {
    await insertAccounts(servers.db, [account('retry-1'), account('retry-2')]);
    const batch = [
      { accountId: 'retry-1', score: 80, observedAt: at(0), idempotencyKey: 'b1#0' },
      { accountId: 'retry-1', score: 20, observedAt: at(1), idempotencyKey: 'b1#1' },
      { accountId: 'retry-2', score: 25, observedAt: at(0), idempotencyKey: 'b1#2' },
    ];
    const first = await engine.ingestHealthBatch(batch);
    const again = await engine.ingestHealthBatch(batch);
    expect(again).toEqual(first);
    expect(first[1].ok && started(first[1].result.enrolments)).toHaveLength(1);
    const { healthObservations, enrolments } = collections(servers.db);
    expect(await healthObservations.countDocuments({ accountId: { $in: ['retry-1', 'retry-2'] } })).toBe(3);
    expect(await enrolments.countDocuments({ accountId: 'retry-1' })).toBe(1);
  });

  it('triggers a band change once when concurrent batches update one account', async () => {
    await insertAccounts(servers.db, [account('conc-1')]);
    await engine.ingestHealth({ accountId: 'conc-1', score: 90, observedAt: at(0) });
    // Eight batches at once, each with a red and a green score for the same account.
    const batches = Array.from({ length: 8 }, (_, b) => [
      { accountId: 'conc-1', score: 15, observedAt: at(10 + 2 * b) },
      { accountId: 'conc-1', score: 85, observedAt: at(11 + 2 * b) },
    ]);
    const answers = (await Promise.all(batches.map((batch) => engine.ingestHealthBatch(batch)))).flat();
    expect(answers.every((a) => a.ok)).toBe(true);
    const observations = await collections(servers.db)
      .healthObservations.find({ accountId: 'conc-1', stale: false })
      .toArray();
    // One chain, no fork: following the successions from the first observation visits every
    // observation that applied, once each, and ends at the account's current health.
    const successions = await collections(servers.db)
      .healthSuccessions.find({ _id: { $regex: '^conc-1:' } })
      .toArray();
    const after = new Map(successions.map((s) => [s._id, s.next.key!]));
    const chain: string[] = [];
    for (let key = after.get('conc-1:none'); key; key = after.get(`conc-1:${key}`)) chain.push(key);
    expect(chain.sort()).toEqual(observations.map((o) => o._id).sort());
    const current = await collections(servers.db).accounts.findOne({ _id: 'conc-1' });
    expect(chain).toContain(current?.health?.key);
    expect(observations.length).toBeGreaterThanOrEqual(2);
    // However the batches interleaved, red entered from a non-red band starts exactly one run.
    const runs = answers.flatMap((a) => (a.ok ? started(a.result.enrolments) : []));
    expect(runs).toHaveLength(1);
    expect(await collections(servers.db).enrolments.countDocuments({ accountId: 'conc-1' })).toBe(1);
  });

  it('spends the same few commands on a batch whatever its size, and one start per enrolment', async () => {
    // The bench measures 1,000 items; here two sizes on FerretDB on SQLite (whose updates scan)
    // show the count does not grow with the batch.
    async function crossings(prefix: string, size: number) {
      const ids = Array.from({ length: size }, (_, i) => `${prefix}-${i}`);
      await insertAccounts(
        servers.db,
        ids.map((id) => account(id)),
      );
      await engine.ingestHealthBatch(ids.map((accountId) => ({ accountId, score: 80, observedAt: at(0) })));
      commands.length = 0;
      const answers = await engine.ingestHealthBatch(
        ids.map((accountId, i) => ({ accountId, score: i % 10 === 0 ? 20 : 75, observedAt: at(1) })),
      );
      expect(answers.every((a) => a.ok)).toBe(true);
      const enrolled = answers.flatMap((a) => (a.ok ? started(a.result.enrolments) : []));
      expect(enrolled).toHaveLength(size / 10);
      return commands.filter((c) => c !== 'getMore');
    }
    const small = await crossings('small', 20);
    const large = await crossings('large', 200);
    // Updates go in commands of 10 (lib/mongo.ts: FerretDB stalls on large ones); nothing else grows.
    const updates = (list: string[]) => list.filter((c) => c === 'update').length;
    expect(updates(large) - updates(small), large.join(' ')).toBe(200 / 10 - 20 / 10);
    expect(
      large.filter((c) => c !== 'update'),
      large.join(' '),
    ).toEqual(small.filter((c) => c !== 'update'));
    // The goal of #18: at most 60 commands plus 6 per enrolment for a batch.
    expect(large.length, large.join(' ')).toBeLessThanOrEqual(60 + 6 * 20);
  }, 300_000);
});

describe('signals only where they matter', () => {
  beforeAll(async () => {
    await publish(servers.db, {
      id: 'watch-health',
      name: 'Watches health',
      trigger: { on: 'manual' },
      goal: { when: 'health.score >= 95', outcome: 'healthy' },
      steps: steps({ wait: '30d' }),
    });
    await publish(servers.db, {
      id: 'watch-account',
      name: 'Watches an attribute',
      trigger: { on: 'manual' },
      goal: { when: 'account.attributes.activated == true', outcome: 'activated' },
      steps: steps({ wait: '30d' }),
    });
    await publish(servers.db, {
      id: 'waits-for-demo',
      name: 'Waits for a demo',
      trigger: { on: 'manual' },
      steps: steps({ waitFor: { event: 'demo_booked', timeout: '30d' } }),
    });
  });

  it('signals a health change only to live runs whose goal reads health, once per batch', async () => {
    await insertAccounts(servers.db, [account('sig-1')]);
    const runs: Record<string, EnrolmentResult> = {};
    for (const id of ['watch-health', 'watch-account', 'waits-for-demo']) {
      runs[id] = await engine.enrollManually(id, 'sig-1');
      expect(runs[id].status).toBe('started');
      await recordStarted(runs[id]);
    }
    await engine.ingestHealthBatch([
      { accountId: 'sig-1', score: 60, observedAt: at(0) },
      { accountId: 'sig-1', score: 62, observedAt: at(1) },
      { accountId: 'sig-1', score: 64, observedAt: at(2) },
    ]);
    expect(await signalsReceived(runs['watch-health'].workflowId)).toBe(1);
    expect(await signalsReceived(runs['watch-account'].workflowId)).toBe(0);
    expect(await signalsReceived(runs['waits-for-demo'].workflowId)).toBe(0);

    // An event reaches the run waiting for its name, and only that run.
    const [other, demo] = await engine.ingestEventBatch([
      { accountId: 'sig-1', type: 'logged_in' },
      { accountId: 'sig-1', type: 'demo_booked' },
    ]);
    expect(other.ok && other.result.signalled).toEqual([]);
    expect(demo.ok && demo.result.signalled).toEqual([runs['waits-for-demo'].workflowId]);
    expect(await signalsReceived(runs['waits-for-demo'].workflowId)).toBe(1);
    expect(await signalsReceived(runs['watch-health'].workflowId)).toBe(1);
  });
});

describe('event batches', () => {
  it('records every event once, replays a retry, and fails an unknown account alone', async () => {
    await insertAccounts(servers.db, [account('ev-1'), account('ev-2')]);
    const batch = [
      { accountId: 'ev-1', type: 'logged_in', occurredAt: at(0), idempotencyKey: 'e#0' },
      { accountId: 'ghost', type: 'logged_in', occurredAt: at(0), idempotencyKey: 'e#1' },
      { accountId: 'ev-2', type: 'logged_in', occurredAt: at(1), idempotencyKey: 'e#2' },
    ];
    const first = await engine.ingestEventBatch(batch);
    expect(first.map((a) => a.ok)).toEqual([true, false, true]);
    const again = await engine.ingestEventBatch(batch);
    expect(again.map((a) => (a.ok ? a.result.eventId : null))).toEqual(
      first.map((a) => (a.ok ? a.result.eventId : null)),
    );
    expect(
      await collections(servers.db).accountEvents.countDocuments({ accountId: { $in: ['ev-1', 'ev-2'] } }),
    ).toBe(2);
  });
});
