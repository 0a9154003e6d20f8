/**
 * Health ingest, a batch at a time (a single observation is a batch of one): swap each account's
 * current health for its new observations, record them, hand them to the `health.changed`
 * trigger (engine/triggers/) and tell the live runs that need it. Everything that must not be
 * lost is handed to Temporal before this returns, so the API may acknowledge afterwards.
 *
 * The number of database commands does not grow with the batch: the batch's accounts, stored
 * observations and processed markers are read together; the successions (the compare-and-set,
 * engine/health-succession.ts), observations and markers are written with unordered bulk
 * inserts, the accounts with one bulk write; enrolment decides all crossings with one query
 * (engine/enrolment.ts), and the live runs come from one more (engine/signals.ts). Items of one
 * account apply in `observedAt` order, each seeing the one before as `previous`. An account
 * another ingest is updating at the same moment falls back to one observation at a time.
 *
 * Writes are ordered so that a crash anywhere is repaired by the retry (same idempotency key):
 * successions, then observations, then the accounts, then triggers and signals, then the
 * processed markers, which let a retry replay the answer instead of firing again.
 */
import { randomUUID } from 'node:crypto';
import type { AnyBulkWriteOperation } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { AccountDoc, EnrolmentResult, HealthObservationDoc, HealthState } from '../lib/documents.js';
import { bulkUpdate, insertManyIfAbsent } from '../lib/mongo.js';
import { metrics } from '../lib/metrics.js';
import { healthView, type HealthBand, type HealthView } from '../language/context.js';
import { healthBand } from '../language/health-band.js';
import { accountNotFound, onlyResult, type ItemOutcome } from './errors.js';
import type { EngineDeps } from './engine-deps.js';
import { settleHealth, successionId, swapHealth } from './health-succession.js';
import { tellLiveRuns } from './signals.js';
import { fireAll, healthChangedTrigger, listeningTo } from './triggers/index.js';
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

export type HealthItemOutcome = ItemOutcome<HealthIngestResult>;

interface Item {
  index: number;
  input: HealthIngest;
  key: string;
  next: HealthState;
  observation?: HealthObservationDoc;
  account?: AccountDoc;
  done?: HealthIngestResult;
  error?: Error;
  /** The succession the fast path claimed for it: its id and the health it replaces. */
  claim?: { _id: string; previous: HealthState | null };
}

export async function ingestHealthBatch(
  deps: EngineDeps,
  inputs: HealthIngest[],
): Promise<HealthItemOutcome[]> {
  const now = deps.now();
  const { db } = deps;
  const { accounts, healthObservations, healthObservationsProcessed, healthSuccessions } = collections(db);
  const items: Item[] = inputs.map((input, index) => {
    const key = input.idempotencyKey ? `${input.accountId}:${input.idempotencyKey}` : randomUUID();
    const observedAt = input.observedAt ?? now;
    return {
      index,
      input,
      key,
      next: { score: input.score, band: healthBand(input.score, deps.thresholds), observedAt, key },
    };
  });
  const keyed = items.filter((i) => i.input.idempotencyKey).map((i) => i.key);

  // Reads, together: the accounts, what a retry finds stored, the listening playbooks.
  const [accountDocs, stored, processed, listening] = await Promise.all([
    accounts.find({ _id: { $in: [...new Set(inputs.map((i) => i.accountId))] } }).toArray(),
    keyed.length ? healthObservations.find({ _id: { $in: keyed } }).toArray() : [],
    keyed.length ? healthObservationsProcessed.find({ _id: { $in: keyed } }).toArray() : [],
    listeningTo(deps, 'health.changed'),
  ]);
  const accountById = new Map(accountDocs.map((a) => [a._id, a]));
  const storedById = new Map(stored.map((o) => [o._id, o]));
  const processedById = new Map(processed.map((p) => [p._id, p]));

  const fresh = new Map<string, Item[]>();
  for (const item of items) {
    const account = accountById.get(item.input.accountId);
    if (!account) {
      item.error = accountNotFound(item.input.accountId);
      continue;
    }
    item.account = account;
    item.observation = storedById.get(item.key);
    const done = processedById.get(item.key) ?? item.observation?.processed;
    if (item.observation && done) item.done = { ...resultOf(item.observation), enrolments: done.enrolments };
    else if (!item.observation) fresh.set(account._id, [...(fresh.get(account._id) ?? []), item]);
  }

  // The fast path: each account's chain claimed at once. Later items see earlier ones.
  const chains = [...fresh.entries()].map(([accountId, chain]) => {
    const account = accountById.get(accountId)!;
    return {
      account,
      start: account.health ?? null,
      items: chain.sort(
        (a, b) => a.next.observedAt.getTime() - b.next.observedAt.getTime() || a.index - b.index,
      ),
      /** The health the account ends the batch with, and the one it replaced. */
      end: { health: account.health ?? null, previous: account.previousHealth ?? null },
    };
  });
  const claims = chains.flatMap((chain) => {
    const accountId = chain.account._id;
    return chain.items.flatMap((item) => {
      const current = chain.end.health;
      if (current?.key === item.next.key) {
        // A retry of an observation whose swap was applied before its record was stored.
        item.observation = observationOf(item, chain.end.previous, false, now);
        return [];
      }
      if (current && new Date(current.observedAt) > item.next.observedAt) {
        item.observation = observationOf(item, current, true, now);
        return [];
      }
      item.observation = observationOf(item, current, false, now);
      chain.end = { health: item.next, previous: current };
      item.claim = { _id: successionId(accountId, current), previous: current };
      return [{ _id: item.claim._id, next: item.next, previous: current, accountId }];
    });
  });
  const won = await insertManyIfAbsent(
    healthSuccessions,
    claims.map(({ accountId: _, ...c }) => c),
  );
  const contended = new Set(claims.filter((c) => !won.has(c._id)).map((c) => c.accountId));

  // Contended accounts: one observation at a time, as a concurrent ingest leaves them. A claim
  // of the fast path that won stands (another ingest may already have applied it): its item
  // succeeds its predecessor once that is applied, whatever happened to the account since.
  await Promise.all(
    chains
      .filter((chain) => contended.has(chain.account._id))
      .map(async (chain) => {
        const applied = new Set([chain.start?.key ?? 'none']);
        for (const item of chain.items) {
          try {
            const claim = item.claim;
            if (claim && won.has(claim._id) && applied.has(claim.previous?.key ?? 'none')) {
              await accounts.updateOne(
                { _id: chain.account._id, 'health.key': claim.previous?.key ?? null },
                { $set: { health: item.next, previousHealth: claim.previous, updatedAt: now } },
              );
              item.observation = observationOf(item, claim.previous, false, now);
              item.account = { ...chain.account, health: item.next, previousHealth: claim.previous };
            } else {
              const swapped = await swapHealth(db, chain.account._id, item.next, now);
              item.observation = observationOf(item, swapped.previous, swapped.stale, now);
              item.account = swapped.account;
            }
            if (!item.observation.stale) applied.add(item.key);
          } catch (err) {
            item.error = asError(err);
            item.observation = undefined;
          }
        }
      }),
  );

  const newObservations = chains.flatMap((c) => c.items).filter((i) => i.observation && !i.error);
  const inserted = await insertManyIfAbsent(
    healthObservations,
    newObservations.map((i) => i.observation!),
  );
  // A concurrent retry inserted first: its document is the record.
  const raced = newObservations.filter((i) => !inserted.has(i.key)).map((i) => i.key);
  if (raced.length)
    for (const doc of await healthObservations.find({ _id: { $in: raced } }).toArray())
      for (const item of newObservations) if (item.key === doc._id) item.observation = doc;

  // The accounts of uncontended chains take their last observation.
  const updates: AnyBulkWriteOperation<AccountDoc>[] = [];
  for (const chain of chains) {
    if (contended.has(chain.account._id)) continue;
    const { health, previous } = chain.end;
    for (const item of chain.items)
      item.account = { ...chain.account, health: health ?? undefined, previousHealth: previous };
    if (!health || health.key === chain.start?.key) continue;
    updates.push({
      updateOne: {
        filter: { _id: chain.account._id, 'health.key': chain.start?.key ?? null },
        update: { $set: { health, previousHealth: previous, updatedAt: now } },
      },
    });
  }
  await bulkUpdate(accounts, updates);

  // A retry of observations stored before a crash: their accounts may lack the swap yet.
  const resumed = items.filter((i) => i.observation && !i.done && !i.error && storedById.has(i.key));
  await Promise.all(
    [...new Set(resumed.map((i) => i.input.accountId))].map(async (accountId) => {
      const account = await settleHealth(db, accountId, now);
      for (const item of resumed) if (item.input.accountId === accountId) item.account = account;
    }),
  );

  // Triggers: every change of the batch decided together.
  // In observedAt order: of two crossings of one account, the earlier one enrols.
  const changes = items
    .filter((i) => i.observation && !i.done && !i.error && !i.observation.stale)
    .sort((a, b) => a.next.observedAt.getTime() - b.next.observedAt.getTime() || a.index - b.index);
  const fired = await fireAll(
    deps,
    healthChangedTrigger,
    changes.map((item) => ({
      account: item.account!,
      health: viewOf(item.observation!),
      previous: previousOf(item.observation!),
      observationId: item.key,
    })),
    listening,
  );
  const enrolled = new Map<Item, EnrolmentResult[]>();
  changes.forEach((item, i) => {
    const failed = fired[i].find((a): a is Error => a instanceof Error);
    if (failed) item.error = failed;
    else enrolled.set(item, fired[i] as EnrolmentResult[]);
  });

  // Signals: each account's latest change, once per live run that reads health.
  const latest = new Map<string, Item>();
  for (const item of changes)
    if (!item.error) {
      const seen = latest.get(item.input.accountId);
      if (!seen || seen.observation!.observedAt <= item.observation!.observedAt)
        latest.set(item.input.accountId, item);
    }
  const news = [...latest.values()];
  const told = await tellLiveRuns(
    deps,
    healthChanged,
    news.map((item) => ({
      accountId: item.input.accountId,
      about: { health: true } as const,
      payload: {
        health: viewOf(item.observation!),
        previous: previousOf(item.observation!),
        observedAt: item.observation!.observedAt.toISOString(),
      },
    })),
    [...enrolled.values()].flat(),
  );
  for (const [index, error] of told.failures)
    for (const item of changes) if (item.input.accountId === news[index].input.accountId) item.error = error;

  // Processed: a retry replays these answers. Stale observations enrol nothing.
  const markers = items
    .filter((i) => i.observation && !i.done && !i.error)
    .map((i) => ({ _id: i.key, at: now, enrolments: enrolled.get(i) ?? [] }));
  await insertManyIfAbsent(healthObservationsProcessed, markers);

  const outcomes = items.map((item): HealthItemOutcome => {
    if (item.error) return { ok: false, error: item.error };
    if (item.done) return { ok: true, result: item.done };
    return { ok: true, result: { ...resultOf(item.observation!), enrolments: enrolled.get(item) ?? [] } };
  });
  for (const o of outcomes) metrics.healthItems.inc({ result: o.ok ? 'recorded' : 'failed' });
  return outcomes;
}

/** One observation: a batch of one, its error thrown. */
export async function ingestHealth(deps: EngineDeps, input: HealthIngest): Promise<HealthIngestResult> {
  return onlyResult(await ingestHealthBatch(deps, [input]));
}

function observationOf(
  item: Item,
  previous: HealthState | null,
  stale: boolean,
  now: Date,
): HealthObservationDoc {
  const seen = healthView(previous);
  return {
    _id: item.key,
    accountId: item.input.accountId,
    score: item.input.score,
    band: item.next.band,
    previousBand: seen.band,
    previousScore: seen.score,
    ...(item.input.components ? { components: item.input.components } : {}),
    observedAt: item.next.observedAt,
    receivedAt: now,
    stale,
  };
}

function resultOf(observation: HealthObservationDoc): Omit<HealthIngestResult, 'enrolments'> {
  return {
    observationId: observation._id,
    band: observation.band,
    previousBand: observation.previousBand,
    stale: observation.stale,
  };
}

const viewOf = (o: HealthObservationDoc): HealthView => ({ score: o.score, band: o.band });

function previousOf(o: HealthObservationDoc): HealthView {
  return o.previousBand === 'none' ? healthView(null) : { score: o.previousScore, band: o.previousBand };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
