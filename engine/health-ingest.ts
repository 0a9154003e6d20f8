/**
 * Health ingest: swap the account's current health for the new observation, record the
 * observation, hand it to the `health.changed` trigger (engine/triggers/) and tell live runs.
 * Everything that must not be lost is handed to Temporal before this returns, so the API may
 * acknowledge afterwards.
 *
 * The swap is a compare-and-set on the key of the current observation: under concurrent
 * ingests every observation sees exactly the one before it as `previous`, so a band change
 * is seen (and triggers) once. The account also keeps `previousHealth`, and the observation
 * its result, so a retried ingest (same idempotency key) sees the same `previous` and
 * replays the same answer instead of losing or repeating the trigger.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { AccountDoc, EnrolmentResult, HealthObservationDoc, HealthState } from '../lib/documents.js';
import { isDuplicateKey } from '../lib/mongo.js';
import type { HealthBand } from '../language/context.js';
import { accountNotFound } from './errors.js';
import { healthBand, type HealthThresholds } from '../language/health-band.js';
import { healthView } from '../language/context.js';
import type { EngineDeps } from './engine-deps.js';
import { signalOtherLiveRuns } from './signals.js';
import { fireTrigger, healthChangedTrigger } from './triggers/index.js';
import { healthChanged } from '../workflows/contract.js';

export interface HealthIngest {
  accountId: string;
  score: number;
  components?: Record<string, number>;
  observedAt?: Date;
  idempotencyKey?: string;
}

export interface HealthIngestResult {
  observationId: string;
  band: HealthBand;
  previousBand: HealthBand | 'none';
  /** An observation older than the account's current one is recorded but changes nothing. */
  stale: boolean;
  enrolments: EnrolmentResult[];
}

export interface Swapped {
  account: AccountDoc;
  current: HealthState;
  previous: HealthState | null;
  stale: boolean;
}

/** Compare-and-set of `account.health`; retries when a concurrent ingest won the race. */
export async function swapHealth(db: Db, accountId: string, next: HealthState, now: Date): Promise<Swapped> {
  // `healthSuccessions` (lib/documents.ts): which observation succeeded which, the compare-and-set.
  const { accounts, healthSuccessions: successions } = collections(db);
  for (let attempt = 0; ; attempt++) {
    const account = await accounts.findOne({ _id: accountId });
    if (!account) throw accountNotFound(accountId);
    const current = account.health;
    if (current && current.key === next.key)
      return { account, current, previous: account.previousHealth ?? null, stale: false };
    if (current && new Date(current.observedAt) > next.observedAt)
      return { account, current, previous: current, stale: true };
    const claimId = `${accountId}:${current?.key ?? 'none'}`;
    try {
      await successions.insertOne({ _id: claimId, next, previous: current ?? null });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another observation succeeded `current`: make sure its swap is applied (its ingest may
      // have died in between), then look again.
      const winner = await successions.findOne({ _id: claimId });
      if (winner)
        await accounts.updateOne(
          { _id: accountId, 'health.key': current?.key ?? null },
          { $set: { health: winner.next, previousHealth: winner.previous, updatedAt: now } },
        );
      if (attempt > 200) throw new Error(`health of account ${accountId}: too many concurrent updates`);
      continue;
    }
    await accounts.updateOne(
      { _id: accountId, 'health.key': current?.key ?? null },
      { $set: { health: next, previousHealth: current ?? null, updatedAt: now } },
    );
    return {
      account: { ...account, health: next, previousHealth: current ?? null },
      current: next,
      previous: current ?? null,
      stale: false,
    };
  }
}

/** Stores (or finds, on a retry) the observation and the account swap it caused. */
export async function recordObservation(
  db: Db,
  input: HealthIngest,
  thresholds: HealthThresholds,
  now: Date,
): Promise<{ observation: HealthObservationDoc; account: AccountDoc }> {
  const { accounts, healthObservations: observations } = collections(db);
  const key = input.idempotencyKey ? `${input.accountId}:${input.idempotencyKey}` : randomUUID();
  const existing = await observations.findOne({ _id: key });
  if (existing) {
    const account = await accounts.findOne({ _id: input.accountId });
    if (!account) throw accountNotFound(input.accountId);
    return { observation: existing, account };
  }
  const observedAt = input.observedAt ?? now;
  const band = healthBand(input.score, thresholds);
  const swapped = await swapHealth(db, input.accountId, { score: input.score, band, observedAt, key }, now);
  const previous = healthView(swapped.previous);
  const observation: HealthObservationDoc = {
    _id: key,
    accountId: input.accountId,
    score: input.score,
    band,
    previousBand: previous.band,
    previousScore: previous.score,
    ...(input.components ? { components: input.components } : {}),
    observedAt,
    receivedAt: now,
    stale: swapped.stale,
  };
  // Insert, not upsert: on FerretDB an upsert or update costs a scan of the collection, an
  // insert does not. A concurrent retry that inserted first wins; its document is the record.
  try {
    await observations.insertOne(observation);
    return { observation, account: swapped.account };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return {
      observation: (await observations.findOne({ _id: key })) ?? observation,
      account: swapped.account,
    };
  }
}

export async function markObservationProcessed(
  db: Db,
  id: string,
  enrolments: EnrolmentResult[],
  now: Date,
): Promise<void> {
  try {
    await collections(db).healthObservationsProcessed.insertOne({ _id: id, at: now, enrolments });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

async function processedBefore(
  db: Db,
  observation: HealthObservationDoc,
): Promise<HealthObservationDoc['processed']> {
  // Observations recorded before the separate collection existed carry it themselves.
  if (observation.processed) return observation.processed;
  const done = await collections(db).healthObservationsProcessed.findOne({ _id: observation._id });
  return done ? { at: done.at, enrolments: done.enrolments } : undefined;
}

export async function ingestHealth(deps: EngineDeps, input: HealthIngest): Promise<HealthIngestResult> {
  const now = deps.now();
  const { observation, account } = await recordObservation(deps.db, input, deps.thresholds, now);
  const result = {
    observationId: observation._id,
    band: observation.band,
    previousBand: observation.previousBand,
    stale: observation.stale,
  };
  const processed = await processedBefore(deps.db, observation);
  if (processed) return { ...result, enrolments: processed.enrolments };
  if (observation.stale) {
    await markObservationProcessed(deps.db, observation._id, [], now);
    return { ...result, enrolments: [] };
  }
  const health = { score: observation.score, band: observation.band };
  const previous =
    observation.previousBand === 'none'
      ? healthView(null)
      : { score: observation.previousScore, band: observation.previousBand };
  const enrolments = await fireTrigger(deps, healthChangedTrigger, {
    account,
    health,
    previous,
    observationId: observation._id,
  });
  await signalOtherLiveRuns(deps, enrolments, account._id, healthChanged, {
    health,
    previous,
    observedAt: observation.observedAt.toISOString(),
  });
  await markObservationProcessed(deps.db, observation._id, enrolments, now);
  return { ...result, enrolments };
}
