/**
 * KPIs from the database without reading every account. The stock figures (atStart, atEnd and
 * their MRR) come from the per-day running totals in `kpiStock`; everything else happens to
 * accounts that moved in the period (started, churned, changed MRR), found through indexed
 * ranges on `kpiAccounts.startedAt` and `kpiEvents.occurredAt`, and tallied by the same code
 * as the pure computation (compute.ts). For a period that does not start or end at midnight
 * UTC, the deltas of the part-day before `from` / `to` come from those moving accounts too.
 */
import type { Db, Filter } from 'mongodb';
import { emptyTally, kpiReport, segments, tallyAccount, tallyNps, type KpiOptions, type KpiReport, type KpiTally } from './compute.js';
import type { AccountHistory } from './history.js';
import { stockDeltas, startOfDay } from './stock.js';
import { historyOf, kpiCollections, type KpiAccountDoc } from './store.js';

const movingTypes = ['churned', 'upsell', 'cross_sell', 'contraction'];
const stockProjection = { _id: 0, day: 1, segment: 1, plan: 1, active: 1, mrr: 1, started: 1 } as const;

/** Histories of the given accounts, in chunks so no single query carries a huge $in. */
async function historiesById(db: Db, ids: string[], scope: Filter<KpiAccountDoc>): Promise<AccountHistory[]> {
  const { accounts } = kpiCollections(db);
  const found: AccountHistory[] = [];
  for (let i = 0; i < ids.length; i += 5000) {
    const docs = await accounts.find({ _id: { $in: ids.slice(i, i + 5000) }, ...scope }).toArray();
    for (const d of docs) if (d.startedAt && d.segment && d.plan) found.push(historyOf(d));
  }
  return found;
}

/** Accounts that started, churned or changed MRR in [from, to). */
async function movingAccounts(db: Db, from: Date, to: Date, scope: Filter<KpiAccountDoc>): Promise<AccountHistory[]> {
  const { accounts, events } = kpiCollections(db);
  const ids = new Set<string>();
  for await (const e of events.find({ occurredAt: { $gte: from, $lt: to } }, { projection: { _id: 0, accountId: 1, type: 1 } })) {
    if (movingTypes.includes(e.type)) ids.add(e.accountId);
  }
  for await (const a of accounts.find({ startedAt: { $gte: from, $lt: to } }, { projection: { _id: 1 } })) ids.add(a._id);
  return historiesById(db, [...ids], scope);
}

interface Stock {
  active: number;
  mrr: number;
  started: number;
}

export async function computeKpisFromDb(db: Db, options: KpiOptions): Promise<KpiReport> {
  const { stock, nps } = kpiCollections(db);
  const { from, to } = options;
  const window = options.onboardingWindowDays ?? 30;
  const scope: Filter<KpiAccountDoc> = options.segment ? { segment: options.segment } : {};
  const keyOf = (x: { segment: string; plan: string }) => (options.groupBy === 'plan' ? x.plan : x.segment);
  const fromDay = startOfDay(from);
  const toDay = startOfDay(to);

  // Stock just before `from` and `to`, per group key ('' = total), from whole days of totals…
  const atStart = new Map<string, Stock>();
  const atEnd = new Map<string, Stock>();
  const add = (map: Map<string, Stock>, key: string, s: Stock) => {
    const t = map.get(key) ?? { active: 0, mrr: 0, started: 0 };
    t.active += s.active;
    t.mrr += s.mrr;
    t.started += s.started;
    map.set(key, t);
  };
  for await (const b of stock.find({ day: { $lt: toDay }, ...(options.segment ? { segment: options.segment } : {}) }, { projection: stockProjection })) {
    for (const key of options.groupBy ? ['', keyOf(b)] : ['']) {
      add(atEnd, key, b);
      if (b.day.getTime() < fromDay.getTime()) add(atStart, key, b);
    }
  }
  // …plus the deltas of the part-days [fromDay, from) and [toDay, to), from the moving accounts.
  const moving = await movingAccounts(db, fromDay, to, scope);
  for (const h of moving) {
    for (const d of stockDeltas(h)) {
      for (const key of options.groupBy ? ['', keyOf(h)] : ['']) {
        if (d.at >= fromDay && d.at < from) add(atStart, key, d);
        if (d.at >= toDay && d.at < to) add(atEnd, key, d);
      }
    }
  }

  const total = emptyTally();
  let groups: Map<string, KpiTally> | undefined;
  if (options.groupBy === 'segment') groups = new Map(segments.filter((s) => !options.segment || s === options.segment).map((s) => [s, emptyTally()]));
  if (options.groupBy === 'plan') groups = new Map([...atEnd].filter(([key, s]) => key !== '' && s.started > 0).map(([key]) => [key, emptyTally()]));

  const period = { from, to };
  for (const h of moving) {
    tallyAccount(total, h, period, window);
    const group = groups?.get(keyOf(h));
    if (group) tallyAccount(group, h, period, window);
  }
  const withStock = (t: KpiTally, key: string) => {
    t.accounts.atStart = atStart.get(key)?.active ?? 0;
    t.mrr.atStart = atStart.get(key)?.mrr ?? 0;
    t.accounts.atEnd = atEnd.get(key)?.active ?? 0;
    t.mrr.atEnd = atEnd.get(key)?.mrr ?? 0;
  };
  withStock(total, '');
  for (const [key, t] of groups ?? []) withStock(t, key);

  const responses = await nps.find({ respondedAt: { $gte: from, $lt: to } }, { projection: { _id: 0, accountId: 1, score: 1 } }).toArray();
  const known = new Map<string, { segment: string; plan: string }>(moving.map((h) => [h.id, h]));
  const missing = [...new Set(responses.map((r) => r.accountId))].filter((id) => !known.has(id));
  for (const h of await historiesById(db, missing, scope)) known.set(h.id, h);
  for (const r of responses) {
    const account = known.get(r.accountId);
    if (!account) continue;
    tallyNps(total, r.score);
    const group = groups?.get(keyOf(account));
    if (group) tallyNps(group, r.score);
  }
  return kpiReport(options, total, groups);
}
