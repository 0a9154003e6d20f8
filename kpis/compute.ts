/**
 * The KPI figures of docs/kpis.md, computed exactly as defined there. Pure: the store loads
 * the inputs, this turns them into figures. Periods are half-open [from, to); rates are
 * percentages, unrounded; null where a denominator is 0.
 *
 * Two steps: `tallyAccount` and `tallyNps` count and sum over account histories and NPS
 * responses (the only part that reads them), `kpiFigures` derives every rate from a tally. The
 * API's view (view.ts) runs `computeKpisOver` on the histories the store folded as events
 * arrived; `computeKpis` folds them from raw events first.
 */
import {
  buildHistories,
  mrrBeforeMs,
  type AccountEvent,
  type AccountHistory,
  type KpiAccount,
  type Segment,
} from './history.js';
import { dayMs } from '../language/durations.js';

export interface NpsResponse {
  accountId: string;
  score: number;
  respondedAt: Date;
}

export interface KpiOptions {
  from: Date;
  to: Date;
  segment?: Segment;
  groupBy?: 'segment' | 'plan';
  onboardingWindowDays?: number;
  grossMargin?: number;
}

export interface KpiTally {
  accounts: { atStart: number; new: number; churned: number; atEnd: number };
  mrr: { atStart: number; expansion: number; contraction: number; churned: number; atEnd: number };
  upsold: number;
  crossSold: number;
  onboarding: { cohort: number; completed: number };
  nps: { responses: number; promoters: number; passives: number; detractors: number };
}

export interface KpiBlock {
  accounts: KpiTally['accounts'];
  customerChurnRate: number | null;
  retentionRate: number | null;
  mrr: KpiTally['mrr'];
  revenueChurnRate: number | null;
  grossRevenueRetention: number | null;
  netRevenueRetention: number | null;
  upsellRate: number | null;
  crossSellRate: number | null;
  onboarding: { cohort: number; completed: number; rate: number | null };
  nps: KpiTally['nps'] & { score: number | null };
  arpa: number | null;
  ltv: number | null;
}

/**
 * The answer of GET /v1/kpis:
 *   { period: { from, to }, segment?, total: KpiBlock, groups?: [{ key, ...KpiBlock }] }
 * `segment` is present when the figures are restricted to one segment. With `groupBy`,
 * `groups` holds one block per segment (always all three) or per plan (every plan of an
 * account started before `to`), sorted by key.
 */
export interface KpiReport {
  period: { from: string; to: string };
  segment?: Segment;
  total: KpiBlock;
  groups?: Array<{ key: string } & KpiBlock>;
}

export const segments: readonly Segment[] = ['high-touch', 'low-touch', 'tech-touch'];
const percent = (n: number, d: number): number | null => (d === 0 ? null : (n / d) * 100);

function emptyTally(): KpiTally {
  return {
    accounts: { atStart: 0, new: 0, churned: 0, atEnd: 0 },
    mrr: { atStart: 0, expansion: 0, contraction: 0, churned: 0, atEnd: 0 },
    upsold: 0,
    crossSold: 0,
    onboarding: { cohort: 0, completed: 0 },
    nps: { responses: 0, promoters: 0, passives: 0, detractors: 0 },
  };
}

/** Adds one account's part of the figures for [from, to) to `tally`. */
function tallyAccount(
  tally: KpiTally,
  h: AccountHistory,
  period: { from: Date; to: Date },
  onboardingWindowDays: number,
): void {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const start = h.startedAt.getTime();
  if (start >= to) return; // neither new, nor at the start, nor at the end
  const churn = h.churnedAt ? h.churnedAt.getTime() : Infinity;
  if (start >= from) {
    tally.accounts.new++;
    tally.onboarding.cohort++;
    // "at or before startedAt + window": the deadline itself still counts.
    if (h.onboardingCompletedAt && h.onboardingCompletedAt.getTime() <= start + onboardingWindowDays * dayMs)
      tally.onboarding.completed++;
  }
  // Active just before t: started before t and not churned before t.
  if (churn >= to) {
    tally.accounts.atEnd++;
    tally.mrr.atEnd += mrrBeforeMs(h, to);
  }
  // Everything below is over atStart accounts only: an account started and churned in the
  // period is new, but neither atStart, churned, nor part of expansion.
  if (!(start < from && churn >= from)) return;
  tally.accounts.atStart++;
  tally.mrr.atStart += mrrBeforeMs(h, from);
  if (churn < to) {
    tally.accounts.churned++;
    tally.mrr.churned += mrrBeforeMs(h, churn);
  }
  let upsold = false;
  let crossSold = false;
  for (const c of h.mrrChanges) {
    const at = c.at.getTime();
    if (at < from || at >= to) continue;
    upsold ||= c.type === 'upsell';
    crossSold ||= c.type === 'cross_sell';
    if (c.mrr === undefined) continue;
    const change = c.mrr - mrrBeforeMs(h, at);
    if (change > 0) tally.mrr.expansion += change;
    else tally.mrr.contraction -= change;
  }
  if (upsold) tally.upsold++;
  if (crossSold) tally.crossSold++;
}

/** Adds one NPS response; the caller has checked it is in the period and in scope. */
function tallyNps(tally: KpiTally, score: number): void {
  tally.nps.responses++;
  if (score >= 9) tally.nps.promoters++;
  else if (score >= 7) tally.nps.passives++;
  else tally.nps.detractors++;
}

export function kpiFigures(t: KpiTally, grossMargin: number): KpiBlock {
  const { accounts: a, mrr: m } = t;
  const customerChurnRate = percent(a.churned, a.atStart);
  const arpa = a.atEnd === 0 ? null : m.atEnd / a.atEnd;
  return {
    accounts: { ...a },
    customerChurnRate,
    retentionRate: percent(a.atStart - a.churned, a.atStart),
    mrr: { ...m },
    revenueChurnRate: percent(m.churned, m.atStart),
    grossRevenueRetention: percent(m.atStart - m.contraction - m.churned, m.atStart),
    netRevenueRetention: percent(m.atStart + m.expansion - m.contraction - m.churned, m.atStart),
    upsellRate: percent(t.upsold, a.atStart),
    crossSellRate: percent(t.crossSold, a.atStart),
    onboarding: { ...t.onboarding, rate: percent(t.onboarding.completed, t.onboarding.cohort) },
    nps: { ...t.nps, score: percent(t.nps.promoters - t.nps.detractors, t.nps.responses) },
    arpa,
    // null both when nobody churned (infinite lifetime) and when atStart is empty
    ltv: arpa === null || !customerChurnRate ? null : (arpa * grossMargin) / (customerChurnRate / 100),
  };
}

/** Assembles the report from a total tally and, with groupBy, one tally per group key. */
function kpiReport(options: KpiOptions, total: KpiTally, groups?: Map<string, KpiTally>): KpiReport {
  const grossMargin = options.grossMargin ?? 1;
  const report: KpiReport = {
    period: { from: options.from.toISOString(), to: options.to.toISOString() },
    ...(options.segment ? { segment: options.segment } : {}),
    total: kpiFigures(total, grossMargin),
  };
  if (groups)
    report.groups = [...groups.keys()]
      .sort()
      .map((key) => ({ key, ...kpiFigures(groups.get(key)!, grossMargin) }));
  return report;
}

export function computeKpis(
  accounts: KpiAccount[],
  events: AccountEvent[],
  nps: NpsResponse[],
  options: KpiOptions,
): KpiReport {
  return computeKpisOver(buildHistories(accounts, events), nps, options);
}

/** The figures over histories already folded (the store's, or buildHistories'). */
export function computeKpisOver(
  all: Iterable<AccountHistory>,
  nps: Iterable<NpsResponse>,
  options: KpiOptions,
): KpiReport {
  const window = options.onboardingWindowDays ?? 30;
  const keyOf = (h: AccountHistory) => (options.groupBy === 'plan' ? h.plan : h.segment);
  const total = emptyTally();
  let groups: Map<string, KpiTally> | undefined;
  if (options.groupBy === 'segment')
    groups = new Map(
      segments.filter((s) => !options.segment || s === options.segment).map((s) => [s, emptyTally()]),
    );
  if (options.groupBy === 'plan') groups = new Map();
  // Only the accounts that answered a survey in the period need finding again.
  const responses = [...nps].filter(
    (r) =>
      r.respondedAt.getTime() >= options.from.getTime() && r.respondedAt.getTime() < options.to.getTime(),
  );
  const responded = new Set(responses.map((r) => r.accountId));
  const byId = new Map<string, AccountHistory>();
  for (const h of all) {
    if (options.segment && h.segment !== options.segment) continue;
    if (responded.has(h.id)) byId.set(h.id, h);
    if (options.groupBy === 'plan' && h.startedAt.getTime() < options.to.getTime() && !groups!.has(h.plan))
      groups!.set(h.plan, emptyTally());
    tallyAccount(total, h, options, window);
    const group = groups?.get(keyOf(h));
    if (group) tallyAccount(group, h, options, window);
  }
  for (const r of responses) {
    const h = byId.get(r.accountId);
    if (!h) continue;
    tallyNps(total, r.score);
    const group = groups?.get(keyOf(h));
    if (group) tallyNps(group, r.score);
  }
  return kpiReport(options, total, groups);
}
