/**
 * Running totals for the stock figures (accounts and MRR active just before an instant t),
 * so that atStart/atEnd never need a scan of every account.
 *
 * An account contributes f(t) = [active just before t] × (MRR just before t) and 1 to the
 * count. Both are step functions that change only right after a breakpoint (start, churn, an
 * MRR change), so each account is a short list of deltas, and the sum of every delta dated
 * strictly before t is exactly the figure at t. The deltas are kept per UTC day, segment and
 * plan (`kpiStock`). When an event arrives — even a late one dated in the past — the store
 * applies (deltas after) − (deltas before) for that one account: order of arrival never matters.
 */
import { activeBefore, mrrBefore, type AccountHistory } from './history.js';

export interface StockDelta {
  at: Date;
  /** Change in active accounts right after `at`. */
  active: number;
  /** Change in their MRR right after `at`. */
  mrr: number;
  /** 1 at the account's start, whatever happens next: tells which groups exist before t. */
  started: number;
}

/** One bucket of `kpiStock`: the deltas of one day, segment and plan. */
export interface StockBucket {
  day: Date;
  segment: string;
  plan: string;
  active: number;
  mrr: number;
  started: number;
}

export const dayMs = 86_400_000;
export const startOfDay = (t: Date): Date => new Date(Math.floor(t.getTime() / dayMs) * dayMs);

/** The account's deltas, in time order. A history without a start (events came first) has none. */
export function stockDeltas(h: Partial<AccountHistory> & Pick<AccountHistory, 'mrrChanges'>): StockDelta[] {
  if (!h.startedAt || h.mrr0 === undefined) return [];
  // A history upserted by a $min (churn before anything else) has no mrrChanges array yet.
  const history = { ...h, mrrChanges: h.mrrChanges ?? [] } as AccountHistory;
  const times = [h.startedAt, ...(h.churnedAt ? [h.churnedAt] : []), ...history.mrrChanges.map((c) => c.at)].map((d) => d.getTime());
  const deltas: StockDelta[] = [];
  let active = 0;
  let mrr = 0;
  for (const time of [...new Set(times)].sort((a, b) => a - b)) {
    // Just after `time` = any instant t with `time` < t < the next breakpoint; time + 1 ms is one.
    const after = new Date(time + 1);
    const nowActive = activeBefore(history, after) ? 1 : 0;
    const nowMrr = nowActive ? mrrBefore(history, after) : 0;
    const started = time === h.startedAt.getTime() ? 1 : 0;
    if (nowActive !== active || nowMrr !== mrr || started) deltas.push({ at: new Date(time), active: nowActive - active, mrr: nowMrr - mrr, started });
    active = nowActive;
    mrr = nowMrr;
  }
  return deltas;
}

export const bucketId = (day: Date, segment: string, plan: string) => `${day.toISOString().slice(0, 10)}|${segment}|${plan}`;

/**
 * What to $inc in `kpiStock` when an account's history goes from `before` to `after` (either
 * may be absent or unstarted). Zero changes are dropped.
 */
export function stockChanges(
  before: (Partial<AccountHistory> & Pick<AccountHistory, 'mrrChanges'>) | undefined,
  after: Partial<AccountHistory> & Pick<AccountHistory, 'mrrChanges'>,
): StockBucket[] {
  const buckets = new Map<string, StockBucket>();
  const add = (h: Partial<AccountHistory> & Pick<AccountHistory, 'mrrChanges'>, sign: number) => {
    for (const d of stockDeltas(h)) {
      const day = startOfDay(d.at);
      const id = bucketId(day, h.segment!, h.plan!);
      const b = buckets.get(id) ?? { day, segment: h.segment!, plan: h.plan!, active: 0, mrr: 0, started: 0 };
      b.active += sign * d.active;
      b.mrr += sign * d.mrr;
      b.started += sign * d.started;
      buckets.set(id, b);
    }
  };
  if (before) add(before, -1);
  add(after, 1);
  return [...buckets.values()].filter((b) => b.active !== 0 || b.mrr !== 0 || b.started !== 0);
}
