/**
 * What KPIs read, kept as data arrives: one compact summary per account (`kpiAccounts`: start,
 * initial MRR, segment, plan and its KPI events) and NPS responses. Appending an event is
 * order-independent, so an event arriving late (occurredAt in a past period) changes that
 * period's figures. Plain CRUD only: it runs on MongoDB and on FerretDB alike.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { AccountDoc, RunDoc } from '../lib/documents.js';
import { computeKpis, type KpiAccount, type KpiOptions, type KpiReport, type NpsResponse, type Segment } from './compute.js';
import { playbookEffectiveness, type PlaybookEffectiveness } from './effectiveness.js';
import { bandDistribution, tasksPerCsm, type TaskFacts } from './operations.js';

interface KpiAccountDoc {
  _id: string;
  startedAt: Date;
  mrr: number;
  segment: Segment;
  plan: string;
  events: Array<{ type: string; occurredAt: Date; mrr?: number }>;
}

interface NpsDoc {
  _id: string;
  accountId: string;
  score: number;
  respondedAt: Date;
  contactEmail?: string;
  comment?: string;
  receivedAt: Date;
}

const kpiEventTypes = new Set(['churned', 'upsell', 'cross_sell', 'contraction', 'renewed', 'onboarding_completed']);

export async function ensureKpiIndexes(db: Db): Promise<void> {
  // One index per call: FerretDB 1.24 fails a createIndexes naming indexes that already exist.
  await db.collection<KpiAccountDoc>('kpiAccounts').createIndex({ startedAt: 1 });
  await db.collection<NpsDoc>('npsResponses').createIndex({ respondedAt: 1 });
}

export async function recordAccount(db: Db, account: AccountDoc): Promise<void> {
  await db.collection<KpiAccountDoc>('kpiAccounts').updateOne(
    { _id: account._id },
    { $set: { startedAt: account.startedAt, mrr: account.mrr, segment: account.segment, plan: account.plan }, $setOnInsert: { events: [] } },
    { upsert: true },
  );
}

/** Other event names (for `event` triggers) are not KPI inputs and are not kept here. */
export async function recordAccountEvent(db: Db, event: { accountId: string; type: string; occurredAt: Date; mrr?: number; product?: string }): Promise<void> {
  if (!kpiEventTypes.has(event.type)) return;
  const entry = { type: event.type, occurredAt: event.occurredAt, ...(event.mrr !== undefined ? { mrr: event.mrr } : {}) };
  await db.collection<KpiAccountDoc>('kpiAccounts').updateOne({ _id: event.accountId }, { $push: { events: entry } });
}

export async function recordNps(
  db: Db,
  response: { accountId: string; score: number; respondedAt: Date; contactEmail?: string; comment?: string; idempotencyKey?: string },
): Promise<{ id: string }> {
  const id = response.idempotencyKey ? `nps:${response.idempotencyKey}` : randomUUID();
  const { idempotencyKey: _key, ...fields } = response;
  await db.collection<NpsDoc>('npsResponses').updateOne({ _id: id }, { $setOnInsert: { ...fields, receivedAt: new Date() } }, { upsert: true });
  return { id };
}

export async function computeKpisFromDb(db: Db, options: KpiOptions): Promise<KpiReport> {
  const filter = { startedAt: { $lt: options.to }, ...(options.segment ? { segment: options.segment } : {}) };
  const docs = await db.collection<KpiAccountDoc>('kpiAccounts').find(filter).toArray();
  const accounts: KpiAccount[] = docs.map((d) => ({ id: d._id, startedAt: d.startedAt, mrr: d.mrr, segment: d.segment, plan: d.plan, events: d.events ?? [] }));
  const nps: NpsResponse[] = await db
    .collection<NpsDoc>('npsResponses')
    .find({ respondedAt: { $gte: options.from, $lt: options.to } }, { projection: { accountId: 1, score: 1, respondedAt: 1 } })
    .toArray();
  return computeKpis(accounts, nps, options);
}

export async function playbookEffectivenessFromDb(db: Db, period: { from: Date; to: Date }): Promise<PlaybookEffectiveness[]> {
  const runs = await db
    .collection<RunDoc>('runs')
    .find({ startedAt: { $gte: period.from, $lt: period.to } }, { projection: { playbookId: 1, startedAt: 1, endedAt: 1, goalReached: 1, control: 1 } })
    .toArray();
  return playbookEffectiveness(runs, period);
}

/** Health bands at `to` and per-CSM task figures for [from, to). */
export async function operationsFromDb(db: Db, period: { from: Date; to: Date }, thresholds = { green: 70, red: 40 }) {
  const points = await db
    .collection<{ accountId: string; score: number; observedAt: Date }>('healthObservations')
    .find({ observedAt: { $lte: period.to } }, { projection: { accountId: 1, score: 1, observedAt: 1 } })
    .toArray();
  const tasks = await db
    .collection<TaskFacts>('tasks')
    .find({ createdAt: { $lt: period.to } }, { projection: { assignee: 1, status: 1, due: 1, createdAt: 1, completedAt: 1 } })
    .toArray();
  return { healthBands: bandDistribution(points, period.to, thresholds), tasks: tasksPerCsm(tasks, period) };
}
