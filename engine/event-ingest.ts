/**
 * Account events (billing, CRM, product analytics): stored for the timeline and the KPIs,
 * handed to the `event` trigger (engine/triggers/), live runs told (a `waitFor: { event }`
 * step may be waiting). Like health, a retried ingest with the same idempotency key replays
 * the first answer.
 */
import { randomUUID } from 'node:crypto';
import { collections } from '../lib/collections.js';
import type { AccountEventDoc, EnrolmentResult } from '../lib/documents.js';
import { accountNotFound } from './errors.js';
import type { EngineDeps } from './engine-deps.js';
import { signalOtherLiveRuns } from './signals.js';
import { eventTrigger, fireTrigger } from './triggers/index.js';
import { accountEvent } from '../workflows/contract.js';
import { insertIfAbsent } from '../lib/mongo.js';

export interface AccountEventInput {
  type: string;
  occurredAt?: Date;
  data?: Record<string, string | number | boolean>;
  idempotencyKey?: string;
}

export interface EventIngestResult {
  eventId: string;
  enrolments: EnrolmentResult[];
  /** Workflow ids of the live runs that were told. */
  signalled: string[];
}

export async function ingestEvent(
  deps: EngineDeps,
  accountId: string,
  input: AccountEventInput,
): Promise<EventIngestResult> {
  const now = deps.now();
  const { accountEvents: events, accounts } = collections(deps.db);
  const account = await accounts.findOne({ _id: accountId });
  if (!account) throw accountNotFound(accountId);
  const id = input.idempotencyKey ? `${accountId}:${input.idempotencyKey}` : randomUUID();
  const doc: AccountEventDoc = {
    _id: id,
    accountId,
    type: input.type,
    occurredAt: input.occurredAt ?? now,
    data: input.data ?? {},
    receivedAt: now,
  };
  await insertIfAbsent(events, doc);
  const stored = (await events.findOne({ _id: id })) ?? doc;
  if (stored.processed) return { eventId: id, enrolments: stored.processed.enrolments, signalled: [] };

  const enrolments = await fireTrigger(deps, eventTrigger, { account, event: stored });
  const signalled = await signalOtherLiveRuns(deps, enrolments, accountId, accountEvent, {
    name: stored.type,
    data: stored.data,
    occurredAt: stored.occurredAt.toISOString(),
  });
  await events.updateOne({ _id: id }, { $set: { processed: { at: now, enrolments } } });
  return { eventId: id, enrolments, signalled };
}
