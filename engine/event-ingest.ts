/**
 * Account events (billing, CRM, product analytics), a batch at a time (one event is a batch of
 * one): stored for the timeline and the KPIs, handed to the `event` trigger (engine/triggers/),
 * and told to the live runs waiting for them (a `waitFor: { event }` step). Like health, the
 * commands do not grow with the batch, and a retried ingest with the same idempotency key
 * replays the first answer.
 */
import { randomUUID } from 'node:crypto';
import { collections } from '../lib/collections.js';
import type { AccountEventDoc, EnrolmentResult } from '../lib/documents.js';
import { bulkUpdate, insertManyIfAbsent } from '../lib/mongo.js';
import { metrics } from '../lib/metrics.js';
import { accountNotFound, onlyResult, type ItemOutcome } from './errors.js';
import type { EngineDeps } from './engine-deps.js';
import { tellLiveRuns } from './signals.js';
import { eventTrigger, fireAll, listeningTo } from './triggers/index.js';
import { accountEvent, type AccountEventSignal } from '../workflows/contract.js';

export interface AccountEventInput {
  type: string;
  occurredAt?: Date;
  data?: Record<string, string | number | boolean>;
  idempotencyKey?: string;
}

export interface EventIngestResult {
  eventId: string;
  /** The stored event (a retry answers with the one stored first). */
  event: AccountEventDoc;
  enrolments: EnrolmentResult[];
  /** Workflow ids of the live runs that were told. */
  signalled: string[];
}

export type EventItemOutcome = ItemOutcome<EventIngestResult>;

export async function ingestEventBatch(
  deps: EngineDeps,
  inputs: Array<AccountEventInput & { accountId: string }>,
): Promise<EventItemOutcome[]> {
  const now = deps.now();
  const { accountEvents: events, accounts } = collections(deps.db);
  const [accountDocs, listening] = await Promise.all([
    accounts.find({ _id: { $in: [...new Set(inputs.map((i) => i.accountId))] } }).toArray(),
    listeningTo(deps, 'event'),
  ]);
  const accountById = new Map(accountDocs.map((a) => [a._id, a]));
  const errors = new Map<number, Error>();
  const docs: AccountEventDoc[] = [];
  inputs.forEach((input, index) => {
    if (!accountById.has(input.accountId)) {
      errors.set(index, accountNotFound(input.accountId));
      return;
    }
    docs.push({
      _id: input.idempotencyKey ? `${input.accountId}:${input.idempotencyKey}` : randomUUID(),
      accountId: input.accountId,
      type: input.type,
      occurredAt: input.occurredAt ?? now,
      data: input.data ?? {},
      receivedAt: now,
    });
  });
  const inserted = await insertManyIfAbsent(events, docs);
  // A retry: the event stored first is the record, and says whether it was processed.
  const again = docs.filter((d) => !inserted.has(d._id)).map((d) => d._id);
  const storedById = new Map(
    (again.length ? await events.find({ _id: { $in: again } }).toArray() : []).map((d) => [d._id, d]),
  );
  const stored = docs.map((d) => storedById.get(d._id) ?? d);
  const pending = stored.filter((e) => !e.processed);

  const fired = await fireAll(
    deps,
    eventTrigger,
    pending.map((event) => ({ account: accountById.get(event.accountId)!, event })),
    listening,
  );
  const enrolled = new Map<string, EnrolmentResult[]>();
  const failed = new Map<string, Error>();
  pending.forEach((event, i) => {
    const error = fired[i].find((a): a is Error => a instanceof Error);
    if (error) failed.set(event._id, error);
    else enrolled.set(event._id, fired[i] as EnrolmentResult[]);
  });

  // Each account's latest event of each name, once per live run waiting for that name.
  const latest = new Map<string, AccountEventDoc>();
  for (const event of pending) {
    if (failed.has(event._id)) continue;
    const key = `${event.accountId}\u0000${event.type}`;
    const seen = latest.get(key);
    if (!seen || seen.occurredAt <= event.occurredAt) latest.set(key, event);
  }
  const news = [...latest.values()];
  const told = await tellLiveRuns<AccountEventSignal>(
    deps,
    accountEvent,
    news.map((event) => ({
      accountId: event.accountId,
      about: { event: event.type },
      payload: { name: event.type, data: event.data, occurredAt: event.occurredAt.toISOString() },
    })),
    [...enrolled.values()].flat(),
  );
  const signalled = new Map<string, string[]>();
  news.forEach((event, i) => {
    const error = told.failures.get(i);
    for (const e of pending)
      if (e.accountId === event.accountId && e.type === event.type) {
        if (error) failed.set(e._id, error);
        else if (e._id === event._id) signalled.set(e._id, told.signalled[i]);
      }
  });

  const done = pending.filter((e) => !failed.has(e._id));
  await bulkUpdate(
    events,
    done.map((e) => ({
      updateOne: {
        filter: { _id: e._id },
        update: { $set: { processed: { at: now, enrolments: enrolled.get(e._id) ?? [] } } },
      },
    })),
  );

  let next = 0;
  const outcomes = inputs.map((_, index): EventItemOutcome => {
    const error = errors.get(index);
    if (error) return { ok: false, error };
    const event = stored[next++];
    const failure = failed.get(event._id);
    if (failure) return { ok: false, error: failure };
    return {
      ok: true,
      result: {
        eventId: event._id,
        event,
        enrolments: event.processed?.enrolments ?? enrolled.get(event._id) ?? [],
        signalled: signalled.get(event._id) ?? [],
      },
    };
  });
  for (const o of outcomes) metrics.events.inc({ result: o.ok ? 'recorded' : 'failed' });
  return outcomes;
}

/** One event: a batch of one, its error thrown. */
export async function ingestEvent(
  deps: EngineDeps,
  accountId: string,
  input: AccountEventInput,
): Promise<EventIngestResult> {
  return onlyResult(await ingestEventBatch(deps, [{ ...input, accountId }]));
}
