/**
 * What KPIs read, kept as data arrives. Plain CRUD only, so it runs on MongoDB and on
 * FerretDB 1.24 alike (no transactions, $lookup or rich $group there):
 *
 * - `kpiAccounts`: one compact history per account (see history.ts), folded with $min/$push
 *   so that the order events arrive in never matters;
 * - `kpiEvents`: the KPI events themselves, indexed on occurredAt, to find the accounts that
 *   moved in a period without scanning all of them;
 * - `kpiStock`: per day, segment and plan, the running totals behind atStart/atEnd (stock.ts);
 * - `npsResponses`.
 *
 * The stock totals follow each history change by a diff (after − before). Without
 * transactions a crash between the two writes leaves them off; `rebuildKpiStock` recomputes
 * them from the histories.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { AccountDoc } from '../lib/documents.js';
import { applyEvent, mrrChangeTypes, type AccountHistory, type MrrChange, type Segment } from './history.js';
import { bucketId, stockChanges, type StockBucket } from './stock.js';

/** A history whose account may not be recorded yet (its events arrived first). */
export type KpiAccountDoc = { _id: string; mrrChanges: MrrChange[] } & Partial<Omit<AccountHistory, 'id' | 'mrrChanges'>>;
export type KpiEventDoc = { _id: string; accountId: string; type: string; occurredAt: Date; mrr?: number; product?: string; receivedAt: Date };
export type StockDoc = StockBucket & { _id: string };
export interface NpsDoc {
  _id: string;
  accountId: string;
  score: number;
  respondedAt: Date;
  contactEmail?: string;
  comment?: string;
  receivedAt: Date;
}

const kpiEventTypes = new Set(['churned', 'renewed', 'onboarding_completed', ...mrrChangeTypes]);

export const kpiCollections = (db: Db) => ({
  accounts: db.collection<KpiAccountDoc>('kpiAccounts'),
  events: db.collection<KpiEventDoc>('kpiEvents'),
  stock: db.collection<StockDoc>('kpiStock'),
  nps: db.collection<NpsDoc>('npsResponses'),
});

export async function ensureKpiIndexes(db: Db): Promise<void> {
  const c = kpiCollections(db);
  // One index per call: FerretDB 1.24 fails a createIndexes naming indexes that already exist.
  await c.accounts.createIndex({ startedAt: 1 });
  await c.events.createIndex({ occurredAt: 1 });
  await c.stock.createIndex({ day: 1 });
  await c.nps.createIndex({ respondedAt: 1 });
}

export function historyOf(doc: KpiAccountDoc): AccountHistory {
  return {
    id: doc._id,
    segment: doc.segment as Segment,
    plan: doc.plan!,
    startedAt: doc.startedAt!,
    mrr0: doc.mrr0!,
    mrrChanges: doc.mrrChanges ?? [],
    ...(doc.churnedAt ? { churnedAt: doc.churnedAt } : {}),
    ...(doc.onboardingCompletedAt ? { onboardingCompletedAt: doc.onboardingCompletedAt } : {}),
  };
}

async function applyStock(db: Db, buckets: StockBucket[]): Promise<void> {
  const { stock } = kpiCollections(db);
  for (const b of buckets) {
    const _id = bucketId(b.day, b.segment, b.plan);
    await stock.updateOne({ _id }, { $inc: { active: b.active, mrr: b.mrr, started: b.started }, $setOnInsert: { day: b.day, segment: b.segment, plan: b.plan } }, { upsert: true });
  }
}

/** Applies `update` to the account's history and moves the stock totals by the difference. */
async function updateHistory(db: Db, accountId: string, update: object, after: (before: KpiAccountDoc) => KpiAccountDoc): Promise<void> {
  const { accounts } = kpiCollections(db);
  const before = await accounts.findOneAndUpdate({ _id: accountId }, update, { upsert: true, returnDocument: 'before' });
  const empty: KpiAccountDoc = { _id: accountId, mrrChanges: [] };
  await applyStock(db, stockChanges(before ?? undefined, after(before ?? empty)));
}

export async function recordAccount(db: Db, account: AccountDoc): Promise<void> {
  const fields = { segment: account.segment, plan: account.plan, startedAt: account.startedAt, mrr0: account.mrr };
  await updateHistory(db, account._id, { $set: fields, $setOnInsert: { mrrChanges: [] } }, (before) => ({ ...before, ...fields }));
}

/** Other event names (for `event` triggers) are not KPI inputs and are not kept here. */
export async function recordAccountEvent(db: Db, event: { accountId: string; type: string; occurredAt: Date; mrr?: number; product?: string }): Promise<void> {
  if (!kpiEventTypes.has(event.type)) return;
  const { events } = kpiCollections(db);
  await events.insertOne({ _id: randomUUID(), ...event, receivedAt: new Date() });
  let update: object;
  if (event.type === 'churned') update = { $min: { churnedAt: event.occurredAt } };
  else if (event.type === 'onboarding_completed') update = { $min: { onboardingCompletedAt: event.occurredAt } };
  else if (mrrChangeTypes.has(event.type)) {
    update = { $push: { mrrChanges: { at: event.occurredAt, type: event.type, ...(event.mrr !== undefined ? { mrr: event.mrr } : {}) } } };
  } else return; // renewed: kept in kpiEvents, no figure reads it
  await updateHistory(db, event.accountId, update, (before) => {
    const history = { ...historyOf(before), mrrChanges: [...(before.mrrChanges ?? [])] };
    applyEvent(history, event);
    return { ...before, mrrChanges: history.mrrChanges, ...(history.churnedAt ? { churnedAt: history.churnedAt } : {}), ...(history.onboardingCompletedAt ? { onboardingCompletedAt: history.onboardingCompletedAt } : {}) };
  });
}

export async function recordNps(
  db: Db,
  response: { accountId: string; score: number; respondedAt: Date; contactEmail?: string; comment?: string; idempotencyKey?: string },
): Promise<{ id: string }> {
  const id = response.idempotencyKey ? `nps:${response.idempotencyKey}` : randomUUID();
  const { idempotencyKey: _key, ...fields } = response;
  await kpiCollections(db).nps.updateOne({ _id: id }, { $setOnInsert: { ...fields, receivedAt: new Date() } }, { upsert: true });
  return { id };
}

/** Recomputes `kpiStock` from the histories (after a crash between a history write and its stock write). */
export async function rebuildKpiStock(db: Db): Promise<void> {
  const { accounts, stock } = kpiCollections(db);
  await stock.deleteMany({});
  const totals = new Map<string, StockBucket>();
  for await (const doc of accounts.find({})) {
    for (const b of stockChanges(undefined, doc)) {
      const id = bucketId(b.day, b.segment, b.plan);
      const t = totals.get(id);
      if (t) {
        t.active += b.active;
        t.mrr += b.mrr;
        t.started += b.started;
      } else totals.set(id, { ...b });
    }
  }
  const docs = [...totals].map(([_id, b]) => ({ _id, ...b }));
  for (let i = 0; i < docs.length; i += 1000) await stock.insertMany(docs.slice(i, i + 1000));
}

/**
 * Bulk import of history (a migration, the timing script): accounts not yet in the store and
 * their events, written with insertMany instead of one update per event, then the running
 * totals are rebuilt. Not for live traffic: use recordAccount / recordAccountEvent there.
 */
export async function importKpiHistory(db: Db, accountsToImport: AccountDoc[], eventsToImport: Array<{ accountId: string; type: string; occurredAt: Date; mrr?: number; product?: string }>): Promise<void> {
  const c = kpiCollections(db);
  const histories = new Map<string, AccountHistory>();
  for (const a of accountsToImport) histories.set(a._id, { id: a._id, segment: a.segment, plan: a.plan, startedAt: a.startedAt, mrr0: a.mrr, mrrChanges: [] });
  const kept = eventsToImport.filter((e) => kpiEventTypes.has(e.type));
  for (const e of kept) {
    const h = histories.get(e.accountId);
    if (h) applyEvent(h, e);
  }
  const receivedAt = new Date();
  for (let i = 0; i < kept.length; i += 2000) await c.events.insertMany(kept.slice(i, i + 2000).map((e) => ({ _id: randomUUID(), ...e, receivedAt })));
  const docs: KpiAccountDoc[] = [...histories.values()].map(({ id, ...rest }) => ({ _id: id, ...rest }));
  for (let i = 0; i < docs.length; i += 2000) await c.accounts.insertMany(docs.slice(i, i + 2000));
  await rebuildKpiStock(db);
}
