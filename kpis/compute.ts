/**
 * The KPI figures of shared/KPIS.md, computed exactly as defined there from accounts, their
 * events and NPS responses. Pure: the store loads the inputs, this turns them into figures.
 * Periods are half-open [from, to); rates are percentages, unrounded; null where a
 * denominator is 0.
 */
export type Segment = 'high-touch' | 'low-touch' | 'tech-touch';

export interface KpiAccount {
  id: string;
  startedAt: Date;
  /** MRR at contract start. */
  mrr: number;
  segment: Segment;
  plan: string;
  /** The account's events, any order. `mrr` is the new total for upsell/cross_sell/contraction. */
  events: KpiEvent[];
}

export interface KpiEvent {
  type: string;
  occurredAt: Date;
  mrr?: number;
}

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

export interface KpiBlock {
  accounts: { atStart: number; new: number; churned: number; atEnd: number };
  customerChurnRate: number | null;
  retentionRate: number | null;
  mrr: { atStart: number; expansion: number; contraction: number; churned: number; atEnd: number };
  revenueChurnRate: number | null;
  grossRevenueRetention: number | null;
  netRevenueRetention: number | null;
  upsellRate: number | null;
  crossSellRate: number | null;
  onboarding: { cohort: number; completed: number; rate: number | null };
  nps: { responses: number; promoters: number; passives: number; detractors: number; score: number | null };
  arpa: number | null;
  ltv: number | null;
}

export interface KpiReport {
  period: { from: string; to: string };
  segment: Segment | null;
  total: KpiBlock;
  /** With groupBy: one block per segment or plan, keyed by its name. */
  groups?: Record<string, KpiBlock>;
}

const mrrChanges = new Set(['upsell', 'cross_sell', 'contraction']);
const dayMs = 86_400_000;
const ratio = (n: number, d: number): number | null => (d === 0 ? null : (n / d) * 100);

/** MRR just before `t`: the latest MRR change strictly before `t`, else the initial MRR. */
export function mrrBefore(account: KpiAccount, t: Date): number {
  let latest: KpiEvent | undefined;
  for (const e of account.events) {
    if (!mrrChanges.has(e.type) || e.mrr === undefined || e.occurredAt.getTime() >= t.getTime()) continue;
    if (!latest || e.occurredAt.getTime() >= latest.occurredAt.getTime()) latest = e;
  }
  return latest?.mrr ?? account.mrr;
}

/** When the account churned (its first `churned` event), if it did. */
export function churnedAt(account: KpiAccount): Date | undefined {
  let first: Date | undefined;
  for (const e of account.events) if (e.type === 'churned' && (!first || e.occurredAt < first)) first = e.occurredAt;
  return first;
}

function block(accounts: KpiAccount[], nps: NpsResponse[], opts: Required<Pick<KpiOptions, 'from' | 'to' | 'onboardingWindowDays' | 'grossMargin'>>): KpiBlock {
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  const inPeriod = (d: Date) => d.getTime() >= from && d.getTime() < to;
  let atStart = 0, fresh = 0, churned = 0, atEnd = 0;
  const mrr = { atStart: 0, expansion: 0, contraction: 0, churned: 0, atEnd: 0 };
  let upsold = 0, crossSold = 0, cohort = 0, completed = 0;

  for (const a of accounts) {
    const start = a.startedAt.getTime();
    const churn = churnedAt(a)?.getTime();
    const isAtStart = start < from && !(churn !== undefined && churn < from);
    if (start >= from && start < to) {
      fresh++;
      cohort++;
      const deadline = start + opts.onboardingWindowDays * dayMs;
      if (a.events.some((e) => e.type === 'onboarding_completed' && e.occurredAt.getTime() <= deadline)) completed++;
    }
    if (start < to && !(churn !== undefined && churn < to)) {
      atEnd++;
      mrr.atEnd += mrrBefore(a, opts.to);
    }
    if (!isAtStart) continue;
    atStart++;
    mrr.atStart += mrrBefore(a, opts.from);
    if (churn !== undefined && churn >= from && churn < to) {
      churned++;
      mrr.churned += mrrBefore(a, new Date(churn));
    }
    for (const e of a.events) {
      if (!mrrChanges.has(e.type) || e.mrr === undefined || !inPeriod(e.occurredAt)) continue;
      const change = e.mrr - mrrBefore(a, e.occurredAt);
      if (change > 0) mrr.expansion += change;
      else mrr.contraction += -change;
    }
    if (a.events.some((e) => e.type === 'upsell' && inPeriod(e.occurredAt))) upsold++;
    if (a.events.some((e) => e.type === 'cross_sell' && inPeriod(e.occurredAt))) crossSold++;
  }

  const ids = new Set(accounts.map((a) => a.id));
  const responses = nps.filter((r) => ids.has(r.accountId) && inPeriod(r.respondedAt));
  const promoters = responses.filter((r) => r.score >= 9).length;
  const passives = responses.filter((r) => r.score === 7 || r.score === 8).length;
  const detractors = responses.filter((r) => r.score <= 6).length;
  const customerChurnRate = ratio(churned, atStart);
  const arpa = atEnd === 0 ? null : mrr.atEnd / atEnd;

  return {
    accounts: { atStart, new: fresh, churned, atEnd },
    customerChurnRate,
    retentionRate: ratio(atStart - churned, atStart),
    mrr,
    revenueChurnRate: ratio(mrr.churned, mrr.atStart),
    grossRevenueRetention: ratio(mrr.atStart - mrr.contraction - mrr.churned, mrr.atStart),
    netRevenueRetention: ratio(mrr.atStart + mrr.expansion - mrr.contraction - mrr.churned, mrr.atStart),
    upsellRate: ratio(upsold, atStart),
    crossSellRate: ratio(crossSold, atStart),
    onboarding: { cohort, completed, rate: ratio(completed, cohort) },
    nps: { responses: responses.length, promoters, passives, detractors, score: ratio(promoters - detractors, responses.length) },
    arpa,
    ltv: arpa === null || !customerChurnRate ? null : (arpa * opts.grossMargin) / (customerChurnRate / 100),
  };
}

export function computeKpis(accounts: KpiAccount[], nps: NpsResponse[], options: KpiOptions): KpiReport {
  const opts = { from: options.from, to: options.to, onboardingWindowDays: options.onboardingWindowDays ?? 30, grossMargin: options.grossMargin ?? 1 };
  const scoped = options.segment ? accounts.filter((a) => a.segment === options.segment) : accounts;
  const report: KpiReport = {
    period: { from: options.from.toISOString(), to: options.to.toISOString() },
    segment: options.segment ?? null,
    total: block(scoped, nps, opts),
  };
  if (options.groupBy) {
    const key = options.groupBy;
    const groups = new Map<string, KpiAccount[]>();
    for (const a of scoped) {
      const members = groups.get(a[key]);
      if (members) members.push(a);
      else groups.set(a[key], [a]);
    }
    report.groups = Object.fromEntries([...groups.keys()].sort().map((k) => [k, block(groups.get(k)!, nps, opts)]));
  }
  return report;
}
