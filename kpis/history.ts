/**
 * An account's KPI history: what the figures of docs/kpis.md need to know about one account,
 * folded from its events. The same shape is the store's per-account summary (`kpiAccounts`),
 * so the pure computation and the database path share one interpretation of the events.
 */
import type { Segment } from '../language/schema.js';

export type { Segment };

export interface KpiAccount {
  id: string;
  startedAt: Date;
  /** MRR at contract start. */
  mrr: number;
  segment: Segment;
  plan: string;
}

export interface AccountEvent {
  accountId: string;
  /** `churned`, `upsell`, `cross_sell`, `contraction`, `renewed`, `onboarding_completed`, or any other name (ignored). */
  type: string;
  occurredAt: Date;
  /** The new total MRR, for upsell, cross_sell and contraction. */
  mrr?: number;
}

/**
 * An upsell, cross_sell or contraction; `mrr` absent when the caller sent none (counts for the
 * rates, not for MRR). `id` is the event's, when the store folded it: folding the same event
 * again then adds nothing.
 */
export interface MrrChange {
  id?: string;
  at: Date;
  type: 'upsell' | 'cross_sell' | 'contraction';
  mrr?: number;
}

export interface AccountHistory {
  id: string;
  segment: Segment;
  plan: string;
  startedAt: Date;
  /** Initial MRR. */
  mrr0: number;
  /** The earliest `churned` event: churn is terminal, later duplicates change nothing. */
  churnedAt?: Date;
  /** The earliest `onboarding_completed`: only whether one falls inside the window matters. */
  onboardingCompletedAt?: Date;
  mrrChanges: MrrChange[];
}

export const mrrChangeTypes: ReadonlySet<string> = new Set(['upsell', 'cross_sell', 'contraction']);

/** A history's date field that keeps the earliest event of its kind. */
export type EarliestField = 'churnedAt' | 'onboardingCompletedAt';

/**
 * What one event changes in a history: the earliest date of its kind, or one more MRR change,
 * or nothing (`renewed` and other names). The one reading of an event, applied in memory by
 * `applyEvent` and as a MongoDB update by the store.
 */
export type EventEffect = { earliest: EarliestField; at: Date } | { mrrChange: MrrChange } | undefined;

export function effectOf(event: Omit<AccountEvent, 'accountId'> & { id?: string }): EventEffect {
  if (event.type === 'churned') return { earliest: 'churnedAt', at: event.occurredAt };
  if (event.type === 'onboarding_completed')
    return { earliest: 'onboardingCompletedAt', at: event.occurredAt };
  if (!mrrChangeTypes.has(event.type)) return undefined;
  return {
    mrrChange: {
      ...(event.id !== undefined ? { id: event.id } : {}),
      at: event.occurredAt,
      type: event.type as MrrChange['type'],
      ...(event.mrr !== undefined ? { mrr: event.mrr } : {}),
    },
  };
}

const earliest = (a: Date | undefined, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);

/** Folds one event into a history; the result does not depend on the order events arrive in. */
export function applyEvent(
  history: AccountHistory,
  event: Omit<AccountEvent, 'accountId'> & { id?: string },
): void {
  const effect = effectOf(event);
  if (!effect) return;
  if ('earliest' in effect) history[effect.earliest] = earliest(history[effect.earliest], effect.at);
  else history.mrrChanges.push(effect.mrrChange);
}

/** Events of accounts not in `accounts` are ignored: a figure is always over known accounts. */
export function buildHistories(accounts: KpiAccount[], events: AccountEvent[]): AccountHistory[] {
  const byId = new Map<string, AccountHistory>();
  for (const a of accounts)
    byId.set(a.id, {
      id: a.id,
      segment: a.segment,
      plan: a.plan,
      startedAt: a.startedAt,
      mrr0: a.mrr,
      mrrChanges: [],
    });
  for (const e of events) {
    const history = byId.get(e.accountId);
    if (history) applyEvent(history, e);
  }
  return [...byId.values()];
}

/**
 * MRR just before `t`: the `mrr` of the latest MRR change strictly before `t`, else the initial
 * MRR. Two changes at the same instant are ordered by amount (the higher wins) so that the
 * answer never depends on the order the events were stored in.
 */
export function mrrBefore(history: AccountHistory, t: Date): number {
  return mrrBeforeMs(history, t.getTime());
}

/** mrrBefore with the instant in epoch milliseconds (the KPI pass calls it a million times). */
export function mrrBeforeMs(history: AccountHistory, t: number): number {
  let latestAt = -Infinity;
  let latestMrr: number | undefined;
  for (const c of history.mrrChanges) {
    if (c.mrr === undefined) continue;
    const at = c.at.getTime();
    if (at >= t) continue;
    if (at > latestAt || (at === latestAt && c.mrr > latestMrr!)) {
      latestAt = at;
      latestMrr = c.mrr;
    }
  }
  return latestMrr ?? history.mrr0;
}

/** Active just before `t` (what atStart at `from` and atEnd at `to` count): started before `t`, not churned before `t`. */
export function activeBefore(history: AccountHistory, t: Date): boolean {
  return (
    history.startedAt.getTime() < t.getTime() &&
    !(history.churnedAt && history.churnedAt.getTime() < t.getTime())
  );
}
