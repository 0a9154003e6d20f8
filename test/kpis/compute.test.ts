/**
 * KPI figures on the hand-made fixture (fixture.ts). Every expected number is worked out by
 * hand in the comments, never by the code under test.
 */
import { describe, expect, test } from 'vitest';
import { computeKpis, type KpiAccount, type KpiBlock } from '../../kpis/index.js';
import { accounts, d, events, from, nps, to } from './fixture.js';

describe('KPIs over all accounts, January 2025', () => {
  const k = computeKpis(accounts, events, nps, { from, to }).total;

  test('counts: atStart A,B,H,I,J; new C,D,E; churned B,H,J; atEnd A,D,E,I', () => {
    // A churns at `to` (not before it); H churns at `from` (not before it, so atStart and churned);
    // C starts and churns inside (new only); G starts at `to`; F churned before.
    expect(k.accounts).toEqual({ atStart: 5, new: 3, churned: 3, atEnd: 4 });
    expect(k.customerChurnRate).toBe(60); // 3 / 5
    expect(k.retentionRate).toBe(40); // (5 - 3) / 5
  });

  test('MRR movements', () => {
    // atStart: A 100 (its upsell at `from` is not before it) + B 200 + H 200 (upsell in Dec) + I 100 + J 60 = 660
    // expansion: A 150-100 = 50; B 180-150 = 30 and 260-180 = 80; J 90-60 = 30 → 190 (C's upsell: C is new)
    // contraction: B 200-150 = 50; I 100-70 = 30 → 80
    // churned: B 260 + H 200 + J 90 = 550
    // atEnd: A 150 + D 300 + E 80 + I 70 = 600
    expect(k.mrr).toEqual({ atStart: 660, expansion: 190, contraction: 80, churned: 550, atEnd: 600 });
    expect(k.revenueChurnRate).toBeCloseTo(83.333333333, 8); // 550 / 660
    expect(k.grossRevenueRetention).toBeCloseTo(4.545454545, 8); // (660 - 80 - 550) / 660 = 30 / 660
    expect(k.netRevenueRetention).toBeCloseTo(33.333333333, 8); // (660 + 190 - 80 - 550) / 660 = 220 / 660
  });

  test('upsell and cross-sell rates over atStart', () => {
    expect(k.upsellRate).toBe(60); // A (at `from`), B, J of 5
    expect(k.crossSellRate).toBe(20); // B of 5
  });

  test('onboarding: cohort C,D,E; only D within 30 days, the deadline itself included', () => {
    expect(k.onboarding).toEqual({ cohort: 3, completed: 1, rate: expect.closeTo(33.333333333, 8) }); // 1 / 3
    // E completed 30 days + 1 s after its start: inside a 35-day window
    expect(
      computeKpis(accounts, events, nps, { from, to, onboardingWindowDays: 35 }).total.onboarding.completed,
    ).toBe(2);
  });

  test('NPS: 10 at `from`, 6, 7, 8, 9 count; 10 at `to` does not', () => {
    // promoters 10, 9; passives 7, 8; detractor 6 → (2 - 1) / 5 = 20
    expect(k.nps).toEqual({ responses: 5, promoters: 2, passives: 2, detractors: 1, score: 20 });
  });

  test('ARPA and LTV', () => {
    expect(k.arpa).toBe(150); // 600 / 4
    expect(k.ltv).toBeCloseTo(250, 8); // 150 × 1 / 0.6
    expect(computeKpis(accounts, events, nps, { from, to, grossMargin: 0.8 }).total.ltv).toBeCloseTo(200, 8); // 150 × 0.8 / 0.6
  });

  test('the order events are given in does not matter', () => {
    expect(computeKpis(accounts, [...events].reverse(), nps, { from, to }).total).toEqual(k);
  });
});

describe('KPIs for one segment and grouped', () => {
  test('tech-touch only (A, C, E, G, K): no churn, so LTV is null', () => {
    const report = computeKpis(accounts, events, nps, { from, to, segment: 'tech-touch' });
    expect(report.segment).toBe('tech-touch');
    const k = report.total;
    expect(k.accounts).toEqual({ atStart: 1, new: 2, churned: 0, atEnd: 2 }); // A; C,E; -; A,E
    expect(k.customerChurnRate).toBe(0);
    expect(k.mrr).toEqual({ atStart: 100, expansion: 50, contraction: 0, churned: 0, atEnd: 230 }); // atEnd 150 + 80
    expect(k.netRevenueRetention).toBe(150); // (100 + 50) / 100
    expect(k.onboarding).toEqual({ cohort: 2, completed: 0, rate: 0 });
    expect(k.nps).toEqual({
      responses: 3,
      promoters: 2,
      passives: 0,
      detractors: 1,
      score: expect.closeTo(33.333333333, 8),
    }); // A 10, A 6, E 9: (2 - 1) / 3
    expect(k.arpa).toBe(115); // 230 / 2
    expect(k.ltv).toBeNull();
  });

  test('groupBy segment: one block per segment, beside the total', () => {
    const report = computeKpis(accounts, events, nps, { from, to, groupBy: 'segment' });
    expect(report.groups?.map((g) => g.key)).toEqual(['high-touch', 'low-touch', 'tech-touch']);
    const [high, low, tech] = report.groups!;
    // high-touch D, F, H: H atStart and churned at `from` with 200; D new with 300
    expect(high.accounts).toEqual({ atStart: 1, new: 1, churned: 1, atEnd: 1 });
    expect(high.mrr).toEqual({ atStart: 200, expansion: 0, contraction: 0, churned: 200, atEnd: 300 });
    expect(high.customerChurnRate).toBe(100);
    // low-touch B, I, J: atStart 200 + 100 + 60 = 360; expansion 30 + 80 + 30 = 140; contraction 50 + 30 = 80; churned 260 + 90 = 350
    expect(low.accounts).toEqual({ atStart: 3, new: 0, churned: 2, atEnd: 1 });
    expect(low.mrr).toEqual({ atStart: 360, expansion: 140, contraction: 80, churned: 350, atEnd: 70 });
    expect(low.nps).toEqual({ responses: 1, promoters: 0, passives: 1, detractors: 0, score: 0 }); // B 7
    expect(tech.accounts).toEqual({ atStart: 1, new: 2, churned: 0, atEnd: 2 });
    expect(report.total.accounts).toEqual({ atStart: 5, new: 3, churned: 3, atEnd: 4 });
  });

  test("groupBy plan lists the plans of accounts started before `to` (not K's trial)", () => {
    const report = computeKpis(accounts, events, nps, { from, to, groupBy: 'plan' });
    expect(report.groups?.map((g) => g.key)).toEqual(['enterprise', 'growth', 'starter']);
    expect(report.groups?.[1].accounts).toEqual({ atStart: 3, new: 0, churned: 2, atEnd: 1 }); // growth = B, I, J
  });

  test('an empty period, segment or group gives zero counts and null rates', () => {
    const nulls = (k: KpiBlock) => [
      k.customerChurnRate,
      k.retentionRate,
      k.revenueChurnRate,
      k.grossRevenueRetention,
      k.netRevenueRetention,
      k.upsellRate,
      k.crossSellRate,
      k.onboarding.rate,
      k.nps.score,
      k.arpa,
      k.ltv,
    ];
    const before = computeKpis(accounts, events, nps, {
      from: d('2023-01-01T00:00:00Z'),
      to: d('2023-02-01T00:00:00Z'),
      segment: 'high-touch',
    }).total;
    expect(before.accounts).toEqual({ atStart: 0, new: 0, churned: 0, atEnd: 0 });
    expect(before.mrr).toEqual({ atStart: 0, expansion: 0, contraction: 0, churned: 0, atEnd: 0 });
    expect(nulls(before).every((v) => v === null)).toBe(true);
    const grouped = computeKpis([], [], [], { from, to, groupBy: 'segment' });
    expect(grouped.groups).toHaveLength(3);
    for (const g of grouped.groups!) expect(nulls(g).every((v) => v === null)).toBe(true);
  });

  test('an MRR change exactly at `to` belongs to the next period', () => {
    const one: KpiAccount[] = [
      { id: 'X', startedAt: d('2024-01-01T00:00:00Z'), mrr: 100, segment: 'low-touch', plan: 'p' },
    ];
    const upsell = [{ accountId: 'X', type: 'upsell', occurredAt: to, mrr: 400 }];
    const january = computeKpis(one, upsell, [], { from, to }).total;
    expect(january.mrr.expansion).toBe(0);
    expect(january.mrr.atEnd).toBe(100);
    expect(
      computeKpis(one, upsell, [], { from: to, to: d('2025-03-01T00:00:00Z') }).total.mrr.expansion,
    ).toBe(300); // 400 - 100
  });
});
