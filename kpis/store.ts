/**
 * What KPIs read, kept as data arrives. Plain CRUD only, so it runs on MongoDB and on
 * FerretDB 1.24 alike (no transactions, $lookup or rich $group there):
 *
 * - `kpiAccounts`: one compact history per account (see history.ts), folded with $min and
 *   $addToSet, so neither the order events arrive in nor a retried write changes it;
 * - `kpiEvents`: the KPI events themselves, as received (the record the histories fold);
 * - `npsResponses`;
 * - `kpiJournal`: what changed, in order, for the views that answer GET /v1/kpis (view.ts).
 *
 * No secondary index: everything here is read by `_id` or, by a view's (re)load, whole; an
 * index would only slow the writes. Each write goes history first, journal second. A crash between the two leaves a change the
 * views see at their next periodic reload rather than at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { AccountDoc, KpiAccountDoc, Segment } from '../lib/documents.js';
import { bulkUpdate, insertManyIfAbsent, isOnlyDuplicateKeys } from '../lib/mongo.js';
import {
  applyEvent,
  effectOf,
  mrrChangeTypes,
  type AccountHistory,
  type EarliestField,
  type MrrChange,
} from './history.js';
import { appendJournal } from './journal.js';

export interface KpiEventInput {
  /** Makes a retried write harmless: the same id is folded once. Random when absent. */
  id?: string;
  accountId: string;
  type: string;
  occurredAt: Date;
  mrr?: number;
  product?: string;
}

const kpiEventTypes = new Set(['churned', 'renewed', 'onboarding_completed', ...mrrChangeTypes]);

const kpiCollections = (db: Db) => {
  const { kpiAccounts: accounts, kpiEvents: events, npsResponses: nps } = collections(db);
  return { accounts, events, nps };
};

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

/** The $update folding events into a history: idempotent ($min, $addToSet of whole entries). */
function foldUpdate(events: Array<KpiEventInput & { id: string }>): Record<string, Record<string, unknown>> {
  const min: Partial<Record<EarliestField, Date>> = {};
  const changes: MrrChange[] = [];
  for (const e of events) {
    const effect = effectOf(e);
    if (!effect) continue;
    if ('mrrChange' in effect) changes.push(effect.mrrChange);
    else if (!min[effect.earliest] || effect.at < min[effect.earliest]!) min[effect.earliest] = effect.at;
  }
  const update: Record<string, Record<string, unknown>> = {};
  if (Object.keys(min).length) update.$min = min;
  if (changes.length) update.$addToSet = { mrrChanges: { $each: changes } };
  return update;
}

export async function recordAccount(db: Db, account: AccountDoc): Promise<void> {
  const fields = {
    segment: account.segment,
    plan: account.plan,
    startedAt: account.startedAt,
    mrr0: account.mrr,
  };
  await kpiCollections(db).accounts.updateOne(
    { _id: account._id },
    { $set: fields, $setOnInsert: { mrrChanges: [] } },
    { upsert: true },
  );
  await appendJournal(db, 'account', [account._id]);
}

/** Other event names (for `event` triggers) are not KPI inputs and are not kept here. */
export function recordAccountEvent(db: Db, event: KpiEventInput): Promise<void> {
  return recordAccountEvents(db, [event]);
}

/**
 * A batch of account events in a fixed number of commands: the KPI events inserted together (a
 * retry's duplicates are harmless: folding is idempotent), one fold per account in one bulk
 * write, one journal entry for all their accounts.
 */
export async function recordAccountEvents(db: Db, events: KpiEventInput[]): Promise<void> {
  const kept = events
    .filter((e) => kpiEventTypes.has(e.type))
    .map((e) => ({ ...e, id: e.id ?? randomUUID() }));
  if (kept.length === 0) return;
  const receivedAt = new Date();
  await insertManyIfAbsent(
    kpiCollections(db).events,
    kept.map(({ id, ...fields }) => ({ _id: id, ...fields, receivedAt })),
  );
  const byAccount = new Map<string, typeof kept>();
  for (const e of kept) byAccount.set(e.accountId, [...(byAccount.get(e.accountId) ?? []), e]);
  const folds = [...byAccount.entries()]
    .map(([accountId, list]) => ({ accountId, update: foldUpdate(list) }))
    // renewed: kept in kpiEvents, no figure reads it
    .filter(({ update }) => Object.keys(update).length > 0);
  if (folds.length === 0) return;
  await bulkUpdate(
    kpiCollections(db).accounts,
    folds.map(({ accountId, update }) => ({
      updateOne: { filter: { _id: accountId }, update, upsert: true },
    })),
  );
  await appendJournal(
    db,
    'account',
    folds.map((f) => f.accountId),
  );
}

/** An NPS survey response as the API records it. */
export interface NpsResponseInput {
  accountId: string;
  score: number;
  respondedAt: Date;
  contactEmail?: string;
  comment?: string;
  idempotencyKey?: string;
}

export async function recordNps(db: Db, response: NpsResponseInput): Promise<{ id: string }> {
  const id = response.idempotencyKey ? `nps:${response.idempotencyKey}` : randomUUID();
  const { idempotencyKey: _key, ...fields } = response;
  await kpiCollections(db).nps.updateOne(
    { _id: id },
    { $setOnInsert: { ...fields, receivedAt: new Date() } },
    { upsert: true },
  );
  await appendJournal(db, 'nps', [id]);
  return { id };
}

export interface HistoryImport {
  accounts?: Array<Pick<AccountDoc, '_id' | 'segment' | 'plan' | 'mrr' | 'startedAt'>>;
  events?: KpiEventInput[];
  nps?: Array<{ id?: string; accountId: string; score: number; respondedAt: Date }>;
}

/** A stable id for the i-th item of a batch, so that a retried batch writes nothing twice. */
export const batchItemId = (batchKey: string, kind: string, i: number) =>
  createHash('sha256').update(`${batchKey}\0${kind}\0${i}`).digest('base64url').slice(0, 24);

/** Inserts in chunks; returns the ids that existed already (any other failure is thrown). */
async function insertIgnoringDuplicates<T extends { _id: string }>(
  insert: (docs: T[]) => Promise<unknown>,
  docs: T[],
): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < docs.length; i += 2000) {
    const chunk = docs.slice(i, i + 2000);
    try {
      await insert(chunk);
    } catch (err) {
      if (!isOnlyDuplicateKeys(err, chunk.length)) throw err;
      for (const w of [err.writeErrors].flat()) existing.add(chunk[w.index]._id);
    }
  }
  return existing;
}

/**
 * History in bulk (years of billing history, the timing script, the import route): accounts
 * with their events folded in memory and inserted together; events of accounts recorded
 * earlier folded by one update per account; NPS responses. No playbook is triggered. Every
 * item needs a stable id (`id`, or the caller's batch key) for a retried import to be harmless.
 */
export async function importHistory(db: Db, batch: HistoryImport): Promise<void> {
  const c = kpiCollections(db);
  const receivedAt = new Date();
  const events = (batch.events ?? [])
    .filter((e) => kpiEventTypes.has(e.type))
    .map((e) => ({ ...e, id: e.id ?? randomUUID() }));
  await insertIgnoringDuplicates(
    (docs) => c.events.insertMany(docs, { ordered: false }),
    events.map(({ id, ...e }) => ({ _id: id, ...e, receivedAt })),
  );

  const fresh = new Map<string, AccountHistory>();
  for (const a of batch.accounts ?? [])
    fresh.set(a._id, {
      id: a._id,
      segment: a.segment as Segment,
      plan: a.plan,
      startedAt: a.startedAt,
      mrr0: a.mrr,
      mrrChanges: [],
    });
  const byAccount = new Map<string, Array<KpiEventInput & { id: string }>>();
  for (const e of events) byAccount.set(e.accountId, [...(byAccount.get(e.accountId) ?? []), e]);
  const docs: KpiAccountDoc[] = [...fresh.values()].map(({ id, ...h }) => {
    for (const e of byAccount.get(id) ?? []) applyEvent(h as AccountHistory, e);
    return { _id: id, ...h };
  });
  const existing = await insertIgnoringDuplicates((d) => c.accounts.insertMany(d, { ordered: false }), docs);

  // Accounts whose history existed already (recorded earlier, or a retried batch): fold by update.
  for (const id of existing) {
    const a = fresh.get(id)!;
    await c.accounts.updateOne(
      { _id: id },
      { $set: { segment: a.segment, plan: a.plan, startedAt: a.startedAt, mrr0: a.mrr0 } },
    );
  }
  const toUpdate = [...byAccount].filter(([id]) => !fresh.has(id) || existing.has(id));
  for (let i = 0; i < toUpdate.length; i += 32) {
    await Promise.all(
      toUpdate.slice(i, i + 32).map(async ([id, list]) => {
        const update = foldUpdate(list);
        if (Object.keys(update).length) await c.accounts.updateOne({ _id: id }, update, { upsert: true });
      }),
    );
  }

  const responses = (batch.nps ?? []).map((r) => ({
    _id: r.id ?? randomUUID(),
    accountId: r.accountId,
    score: r.score,
    respondedAt: r.respondedAt,
    receivedAt,
  }));
  await insertIgnoringDuplicates((d) => c.nps.insertMany(d, { ordered: false }), responses);

  const touched = [...new Set([...fresh.keys(), ...byAccount.keys()])];
  if (touched.length) await appendJournal(db, 'account', touched);
  if (responses.length)
    await appendJournal(
      db,
      'nps',
      responses.map((r) => r._id),
    );
}
