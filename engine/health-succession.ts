/**
 * The compare-and-set on an account's current health. `healthSuccessions` (lib/documents.ts)
 * records which observation succeeded which, keyed `<account>:<key of the health replaced>`, so
 * exactly one observation can succeed a given one: the insert decides, as FerretDB does not
 * make a filtered updateOne atomic under concurrency but does enforce unique ids. Under
 * concurrent ingests every observation sees exactly the one before it as `previous`, so a band
 * change is seen (and triggers) once.
 *
 * A batch claims each account's whole chain of observations in one unordered insert (the fast
 * path, engine/health-ingest.ts); an account whose claim was refused — a concurrent ingest won,
 * or a retry finds its own earlier claims — goes through `swapHealth` here, one observation at
 * a time, which also applies a winner's swap its ingest may not have lived to apply.
 */
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { AccountDoc, HealthState } from '../lib/documents.js';
import { isDuplicateKey } from '../lib/mongo.js';
import { accountNotFound } from './errors.js';

export interface Swapped {
  account: AccountDoc;
  current: HealthState;
  previous: HealthState | null;
  stale: boolean;
}

export const successionId = (accountId: string, current: HealthState | null | undefined) =>
  `${accountId}:${current?.key ?? 'none'}`;

/** Compare-and-set of `account.health` for one observation; retries when a concurrent ingest won. */
export async function swapHealth(db: Db, accountId: string, next: HealthState, now: Date): Promise<Swapped> {
  const { accounts, healthSuccessions: successions } = collections(db);
  for (let attempt = 0; ; attempt++) {
    const account = await accounts.findOne({ _id: accountId });
    if (!account) throw accountNotFound(accountId);
    const current = account.health;
    if (current && current.key === next.key)
      return { account, current, previous: account.previousHealth ?? null, stale: false };
    if (current && new Date(current.observedAt) > next.observedAt)
      return { account, current, previous: current, stale: true };
    const claimId = successionId(accountId, current);
    try {
      await successions.insertOne({ _id: claimId, next, previous: current ?? null });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Another observation (or this one, on a retry) succeeded `current`: make sure its swap
      // is applied — its ingest may have died in between — then look again.
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

/**
 * Applies the swaps already claimed after the account's current health (an ingest that stored
 * its claims and observations, then died before updating the account); returns the account as
 * it stands after them. A retried ingest calls it before it tells runs of the news.
 */
export async function settleHealth(db: Db, accountId: string, now: Date): Promise<AccountDoc> {
  const { accounts, healthSuccessions: successions } = collections(db);
  for (let step = 0; ; step++) {
    const account = await accounts.findOne({ _id: accountId });
    if (!account) throw accountNotFound(accountId);
    const winner = await successions.findOne({ _id: successionId(accountId, account.health) });
    if (!winner || step > 2_000) return account;
    await accounts.updateOne(
      { _id: accountId, 'health.key': account.health?.key ?? null },
      { $set: { health: winner.next, previousHealth: winner.previous, updatedAt: now } },
    );
  }
}
