/**
 * Scenario 1, ingest and enrolment: health updates in batches through POST /v1/health, about
 * 10% of them crossing into red, which enrols the account in the shipped low-usage rescue and
 * creates its CSM's call task. Baselines: insertMany of the same observation documents into the
 * same database, and bare client.workflow.start of an empty workflow on the same Temporal.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import { defaultThresholds, healthBand } from '../language/health-band.js';
import type { HealthObservationDoc } from '../lib/documents.js';
import { createCsms, importAccounts } from './accounts.js';
import {
  figure,
  inPool,
  percentile,
  Processes,
  root,
  scenarioDb,
  until,
  type Figure,
  type Scenario,
} from './support.js';

const rounds = 5;
const maxBatch = 1000;
const clients = 2;
/** The bands of the API and worker it starts (their environment sets no HEALTH_GREEN / HEALTH_RED). */
const thresholds = defaultThresholds;
const isRed = (score: number) => healthBand(score, thresholds) === 'red';

interface Update {
  accountId: string;
  score: number;
  observedAt: string;
}

/** Round-major, so one account's updates are a whole batch apart; every other account crosses into red once. */
function updates(accounts: string[]): Update[] {
  const all: Update[] = [];
  for (let r = 0; r < rounds; r++) {
    accounts.forEach((accountId, i) => {
      const crossesAt = i % 2 === 0 ? 1 + (i % (rounds - 1)) : -1;
      const score =
        crossesAt < 0 ? 60 + ((i + r * 7) % 35) : r < crossesAt ? 75 + ((i + r) % 20) : 20 + ((i + r) % 15);
      all.push({ accountId, score, observedAt: new Date(Date.UTC(2026, 10, 1, r)).toISOString() });
    });
  }
  return all;
}

type BatchAnswer = {
  recorded: number;
  failed: number;
  results: Array<{
    accountId: string;
    previousBand?: string;
    band?: string;
    enrolments?: Array<{ status: string; control: boolean }>;
  }>;
};

export const ingest: Scenario = {
  name: 'ingest',
  describe: 'health updates through POST /v1/health, enrolment in the rescue playbook, ack → task latency',
  async run({ stack, quick, log }): Promise<Figure[]> {
    const accountCount = quick ? 300 : 10_000;
    const { db, dbName, close } = await scenarioDb(stack, 'ingest');
    const api = new Processes(stack, dbName, `bench-ingest-${Date.now().toString(36)}`);
    try {
      await Promise.all([api.startApi(), api.startWorker()]);
      await api.call(
        'POST',
        '/v1/playbooks',
        await readFile(join(root, 'playbooks/low-usage-rescue.yaml'), 'utf8'),
      );
      const csms = await createCsms(api, 'ingest', 20);
      let began = Date.now();
      const accounts = await importAccounts(api, 'ingest', accountCount, csms, (i) =>
        i % 4 === 0 ? 'high-touch' : 'low-touch',
      );
      log(`ingest: ${accounts.length} accounts imported in ${((Date.now() - began) / 1000).toFixed(1)} s`);

      const all = updates(accounts);
      // Two batches in flight never share an account, so each account's updates arrive in order.
      const batchSize = Math.min(maxBatch, Math.floor(accounts.length / clients));
      const batches = Array.from({ length: Math.ceil(all.length / batchSize) }, (_, b) =>
        all.slice(b * batchSize, (b + 1) * batchSize),
      );
      const ackedAt = new Map<string, number>();
      let enrolments = 0;
      let actionRuns = 0;
      let failed = 0;
      const sentAt = new Map<string, number>();
      const batchMs: number[] = [];
      began = Date.now();
      await inPool(batches, clients, async (items, b) => {
        const sent = Date.now();
        const answer = await api.expect<BatchAnswer>(
          200,
          'POST',
          '/v1/health',
          { items },
          { 'idempotency-key': `ingest-${b}` },
        );
        const at = Date.now();
        batchMs.push(at - sent);
        failed += answer.failed;
        for (const r of answer.results) {
          for (const e of r.enrolments ?? []) {
            if (e.status !== 'started') continue;
            enrolments++;
            if (!e.control) {
              actionRuns++;
              ackedAt.set(r.accountId, at);
              sentAt.set(r.accountId, sent);
            }
          }
        }
        if (b % 10 === 9)
          log(
            `ingest: ${b + 1}/${batches.length} batches, ${enrolments} enrolments, ${((Date.now() - began) / 1000).toFixed(0)} s`,
          );
      });
      const ingestMs = Date.now() - began;
      const crossings = all.filter(
        (u, i) => isRed(u.score) && (i < accounts.length || !isRed(all[i - accounts.length].score)),
      ).length;
      log(
        `ingest: ${all.length} updates (${crossings} into red) in ${(ingestMs / 1000).toFixed(1)} s; ${enrolments} enrolments (${actionRuns} acting, the rest holdout); ${failed} failed items`,
      );

      // Every acting run's first step is a call task for the account's CSM.
      const { tasks } = collections(db);
      const found = await until(
        `${actionRuns} rescue tasks`,
        async () => {
          const docs = await tasks
            .find({ playbookId: 'low-usage-rescue' }, { projection: { accountId: 1, createdAt: 1 } })
            .toArray();
          return docs.length >= actionRuns && docs;
        },
        30 * 60_000,
        2_000,
      );
      const since = (from: Map<string, number>) =>
        found
          .map((t) => t.createdAt.getTime() - (from.get(t.accountId) ?? NaN))
          .filter((n) => Number.isFinite(n))
          .sort((a, b) => a - b);
      // A batch is acknowledged when its last item is done, so a task can exist before the ack:
      // then the client waited 0 ms for it after the ack. The send → task figure bounds it from
      // the other side.
      const sinceAck = since(ackedAt);
      const latencies = sinceAck.map((n) => Math.max(0, n));
      const fromSend = since(sentAt);
      const beforeAck = sinceAck.filter((n) => n < 0).length;
      const batchNote = `batches took ${Math.round(
        percentile(
          batchMs.sort((a, b) => a - b),
          50,
        ),
      )} ms (p50); ${beforeAck} of ${latencies.length} tasks existed before their batch's acknowledgement`;
      const lastTaskMs = Math.max(...found.map((t) => t.createdAt.getTime())) - began;

      const insertRate = await insertManyBaseline(db, all, batchSize);
      const startRate = await workflowStartBaseline(stack.temporalAddress, Math.max(enrolments, 500));
      const updateRate = all.length / (ingestMs / 1000);
      const enrolRate = enrolments / (ingestMs / 1000);
      return [
        figure(
          'ingest',
          `health updates per second (POST /v1/health, batches of ${batchSize})`,
          updateRate,
          '/s',
          { name: 'insertMany of the same documents', value: insertRate },
        ),
        figure('ingest', 'enrolments per second (during ingest)', enrolRate, '/s', {
          name: 'bare workflow.start, empty workflow',
          value: startRate,
        }),
        figure(
          'ingest',
          'ack → rescue task in MongoDB, p50',
          percentile(latencies, 50),
          'ms',
          undefined,
          batchNote,
        ),
        figure('ingest', 'ack → rescue task in MongoDB, p99', percentile(latencies, 99), 'ms'),
        figure('ingest', 'batch sent → rescue task in MongoDB, p50', percentile(fromSend, 50), 'ms'),
        figure('ingest', 'batch sent → rescue task in MongoDB, p99', percentile(fromSend, 99), 'ms'),
        figure(
          'ingest',
          'first update → last rescue task',
          lastTaskMs,
          'ms',
          undefined,
          `${all.length} updates, ${crossings} into red, ${enrolments} enrolments, ${found.length} tasks`,
        ),
      ];
    } finally {
      await api.stop();
      await close();
    }
  },
};

/** The observations the ingest stored, written again with insertMany, same batches, same clients. */
async function insertManyBaseline(db: Db, all: Update[], batchSize: number): Promise<number> {
  const docs: HealthObservationDoc[] = all.map((u, i) => ({
    _id: `baseline-${i}`,
    accountId: u.accountId,
    score: u.score,
    band: healthBand(u.score, thresholds),
    previousBand: 'none',
    previousScore: 0,
    observedAt: new Date(u.observedAt),
    receivedAt: new Date(),
    stale: false,
  }));
  // A scratch collection of the bench's own, beside the real `healthObservations`.
  const collection = db.collection<HealthObservationDoc>('baselineObservations');
  const batches = Array.from({ length: Math.ceil(docs.length / batchSize) }, (_, b) =>
    docs.slice(b * batchSize, (b + 1) * batchSize),
  );
  const began = Date.now();
  await inPool(batches, clients, async (batch) => {
    await collection.insertMany(batch, { ordered: false });
  });
  return docs.length / ((Date.now() - began) / 1000);
}

/** As fast as the client can go: 50 starts in flight. No worker: each times out after a minute. */
async function workflowStartBaseline(address: string, count: number): Promise<number> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const queue = `bench-empty-${Date.now().toString(36)}`;
    const began = Date.now();
    await inPool(
      Array.from({ length: count }, (_, i) => i),
      50,
      async (i) => {
        await client.workflow.start('benchEmpty', {
          taskQueue: queue,
          workflowId: `${queue}-${i}`,
          args: [],
          workflowExecutionTimeout: '1 minute',
        });
      },
    );
    return count / ((Date.now() - began) / 1000);
  } finally {
    await connection.close();
  }
}
