/**
 * KPI figures on a hand-computed fixture covering the boundary rules of shared/KPIS.md. Every
 * expected number is worked out by hand in the comments, never by the code under test.
 */
import { describe, expect, test } from 'vitest';
import { computeKpis, type KpiAccount, type NpsResponse } from '../../kpis/index.js';

const d = (s: string) => new Date(s);
const from = d('2025-01-01T00:00:00Z');
const to = d('2025-02-01T00:00:00Z');

const accounts: KpiAccount[] = [
  // A: upsell exactly at `from` (in the period; not "before from"), churned exactly at `to` (not in the period).
  { id: 'A', startedAt: d('2024-06-01T00:00:00Z'), mrr: 100, segment: 'tech-touch', plan: 'starter', events: [
    { type: 'upsell', occurredAt: from, mrr: 150 },
    { type: 'churned', occurredAt: to },
  ] },
  // B: several MRR changes in the period, then churn.
  { id: 'B', startedAt: d('2024-03-01T00:00:00Z'), mrr: 200, segment: 'low-touch', plan: 'growth', events: [
    { type: 'contraction', occurredAt: d('2025-01-10T00:00:00Z'), mrr: 150 },
    { type: 'upsell', occurredAt: d('2025-01-15T00:00:00Z'), mrr: 180 },
    { type: 'cross_sell', occurredAt: d('2025-01-20T00:00:00Z'), mrr: 260 },
    { type: 'churned', occurredAt: d('2025-01-25T00:00:00Z') },
  ] },
  // C: started and churned in the same period.
  { id: 'C', startedAt: d('2025-01-05T00:00:00Z'), mrr: 50, segment: 'tech-touch', plan: 'starter', events: [{ type: 'churned', occurredAt: d('2025-01-20T00:00:00Z') }] },
  // D: onboarding completed exactly at startedAt + 30 days (counts).
  { id: 'D', startedAt: d('2025-01-10T00:00:00Z'), mrr: 300, segment: 'high-touch', plan: 'enterprise', events: [{ type: 'onboarding_completed', occurredAt: d('2025-02-09T00:00:00Z') }] },
  // E: onboarding completed one second after the window (does not count).
  { id: 'E', startedAt: d('2025-01-15T00:00:00Z'), mrr: 80, segment: 'tech-touch', plan: 'starter', events: [{ type: 'onboarding_completed', occurredAt: d('2025-02-14T00:00:01Z') }] },
  // F: churned before the period.
  { id: 'F', startedAt: d('2024-01-01T00:00:00Z'), mrr: 500, segment: 'high-touch', plan: 'enterprise', events: [{ type: 'churned', occurredAt: d('2024-12-15T00:00:00Z') }] },
  // G: starts exactly at `to` (not in the period).
  { id: 'G', startedAt: to, mrr: 40, segment: 'tech-touch', plan: 'starter', events: [] },
];

const nps: NpsResponse[] = [
  { accountId: 'A', score: 10, respondedAt: from }, // at `from`: counts
  { accountId: 'A', score: 6, respondedAt: d('2025-01-03T00:00:00Z') },
  { accountId: 'B', score: 7, respondedAt: d('2025-01-04T00:00:00Z') },
  { accountId: 'D', score: 8, respondedAt: d('2025-01-12T00:00:00Z') },
  { accountId: 'E', score: 9, respondedAt: d('2025-01-20T00:00:00Z') },
  { accountId: 'D', score: 10, respondedAt: to }, // at `to`: does not count
];

describe('KPIs over all accounts', () => {
  const k = computeKpis(accounts, nps, { from, to }).total;

  test('account counts: atStart A,B; new C,D,E; churned B; atEnd A,D,E', () => {
    expect(k.accounts).toEqual({ atStart: 2, new: 3, churned: 1, atEnd: 3 });
    expect(k.customerChurnRate).toBe(50); // 1 / 2
    expect(k.retentionRate).toBe(50); // (2 - 1) / 2
  });

  test('MRR movements', () => {
    // atStart: A 100 (the upsell at `from` is not before it) + B 200 = 300
    // expansion: A 150-100 = 50; B upsell 180-150 = 30, cross_sell 260-180 = 80 → 160
    // contraction: B 200 → 150 = 50; churned: B just before churn 260
    // atEnd: A 150 + D 300 + E 80 = 530
    expect(k.mrr).toEqual({ atStart: 300, expansion: 160, contraction: 50, churned: 260, atEnd: 530 });
    expect(k.revenueChurnRate).toBeCloseTo((260 / 300) * 100, 10);
    expect(k.grossRevenueRetention).toBeCloseTo(((300 - 50 - 260) / 300) * 100, 10); // -3.33…
    expect(k.netRevenueRetention).toBeCloseTo(50, 10); // (300 + 160 - 50 - 260) / 300
  });

  test('upsell and cross-sell rates over atStart', () => {
    expect(k.upsellRate).toBe(100); // A (at `from`) and B
    expect(k.crossSellRate).toBe(50); // B
  });

  test('onboarding: cohort C,D,E; only D within 30 days (inclusive)', () => {
    expect(k.onboarding.cohort).toBe(3);
    expect(k.onboarding.completed).toBe(1);
    expect(k.onboarding.rate).toBeCloseTo(100 / 3, 10);
  });

  test('NPS: 10 (at from), 6, 7, 8, 9 count; 10 at `to` does not', () => {
    expect(k.nps).toEqual({ responses: 5, promoters: 2, passives: 2, detractors: 1, score: 20 }); // (2 - 1) / 5
  });

  test('ARPA and LTV', () => {
    expect(k.arpa).toBeCloseTo(530 / 3, 10);
    expect(k.ltv).toBeCloseTo(530 / 3 / 0.5, 10); // grossMargin 1, churn 50 %
    expect(computeKpis(accounts, nps, { from, to, grossMargin: 0.8 }).total.ltv).toBeCloseTo((530 / 3) * 0.8 / 0.5, 10);
  });
});

describe('KPIs for one segment and grouped', () => {
  test('tech-touch only: no churn, so LTV is null', () => {
    const k = computeKpis(accounts, nps, { from, to, segment: 'tech-touch' }).total;
    expect(k.accounts).toEqual({ atStart: 1, new: 2, churned: 0, atEnd: 2 }); // A; C,E; -; A,E
    expect(k.customerChurnRate).toBe(0);
    expect(k.mrr).toEqual({ atStart: 100, expansion: 50, contraction: 0, churned: 0, atEnd: 230 });
    expect(k.netRevenueRetention).toBe(150);
    expect(k.onboarding).toEqual({ cohort: 2, completed: 0, rate: 0 });
    expect(k.nps.responses).toBe(3); // A 10, A 6, E 9
    expect(k.arpa).toBe(115);
    expect(k.ltv).toBeNull();
  });

  test('groupBy segment gives one block per segment', () => {
    const report = computeKpis(accounts, nps, { from, to, groupBy: 'segment' });
    expect(Object.keys(report.groups ?? {})).toEqual(['high-touch', 'low-touch', 'tech-touch']);
    expect(report.groups?.['low-touch'].accounts).toEqual({ atStart: 1, new: 0, churned: 1, atEnd: 0 });
    expect(report.groups?.['low-touch'].customerChurnRate).toBe(100);
    expect(report.groups?.['high-touch'].accounts).toEqual({ atStart: 0, new: 1, churned: 0, atEnd: 1 }); // F churned before; D new
    expect(report.groups?.['high-touch'].customerChurnRate).toBeNull();
  });

  test('an empty period or segment gives zero counts and null rates', () => {
    const k = computeKpis([], [], { from, to }).total;
    expect(k.accounts).toEqual({ atStart: 0, new: 0, churned: 0, atEnd: 0 });
    for (const rate of [k.customerChurnRate, k.retentionRate, k.revenueChurnRate, k.grossRevenueRetention, k.netRevenueRetention, k.upsellRate, k.crossSellRate, k.onboarding.rate, k.nps.score, k.arpa, k.ltv]) {
      expect(rate).toBeNull();
    }
  });

  test('an MRR change exactly at `to` belongs to the next period', () => {
    const one: KpiAccount[] = [{ id: 'X', startedAt: d('2024-01-01T00:00:00Z'), mrr: 100, segment: 'low-touch', plan: 'p', events: [{ type: 'upsell', occurredAt: to, mrr: 400 }] }];
    const k = computeKpis(one, [], { from, to }).total;
    expect(k.mrr.expansion).toBe(0);
    expect(k.mrr.atEnd).toBe(100);
    expect(computeKpis(one, [], { from: to, to: d('2025-03-01T00:00:00Z') }).total.mrr.expansion).toBe(300);
  });
});
