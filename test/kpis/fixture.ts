/**
 * A hand-made book of accounts for January 2025 covering every boundary rule of
 * docs/kpis.md. The expected figures are worked out by hand in compute.test.ts.
 */
import type { AccountEvent, KpiAccount, NpsResponse } from '../../kpis/index.js';

export const d = (s: string) => new Date(s);
export const from = d('2025-01-01T00:00:00Z');
export const to = d('2025-02-01T00:00:00Z');

export const accounts: KpiAccount[] = [
  { id: 'A', startedAt: d('2024-06-01T00:00:00Z'), mrr: 100, segment: 'tech-touch', plan: 'starter' },
  { id: 'B', startedAt: d('2024-03-01T00:00:00Z'), mrr: 200, segment: 'low-touch', plan: 'growth' },
  { id: 'C', startedAt: d('2025-01-05T00:00:00Z'), mrr: 50, segment: 'tech-touch', plan: 'starter' },
  { id: 'D', startedAt: d('2025-01-10T00:00:00Z'), mrr: 300, segment: 'high-touch', plan: 'enterprise' },
  { id: 'E', startedAt: d('2025-01-15T00:00:00Z'), mrr: 80, segment: 'tech-touch', plan: 'starter' },
  { id: 'F', startedAt: d('2024-01-01T00:00:00Z'), mrr: 500, segment: 'high-touch', plan: 'enterprise' },
  { id: 'G', startedAt: to, mrr: 40, segment: 'tech-touch', plan: 'starter' },
  { id: 'H', startedAt: d('2024-09-01T00:00:00Z'), mrr: 120, segment: 'high-touch', plan: 'enterprise' },
  { id: 'I', startedAt: d('2024-05-01T00:00:00Z'), mrr: 100, segment: 'low-touch', plan: 'growth' },
  { id: 'J', startedAt: d('2024-02-01T00:00:00Z'), mrr: 60, segment: 'low-touch', plan: 'growth' },
  { id: 'K', startedAt: d('2025-03-01T00:00:00Z'), mrr: 10, segment: 'tech-touch', plan: 'trial' },
];

export const events: AccountEvent[] = [
  // A: upsell exactly at `from` (in the period, not "before from"); churn exactly at `to` (not in it).
  { accountId: 'A', type: 'upsell', occurredAt: from, mrr: 150 },
  { accountId: 'A', type: 'churned', occurredAt: to },
  // B: several MRR changes in the period, then churn.
  { accountId: 'B', type: 'contraction', occurredAt: d('2025-01-10T00:00:00Z'), mrr: 150 },
  { accountId: 'B', type: 'upsell', occurredAt: d('2025-01-15T00:00:00Z'), mrr: 180 },
  { accountId: 'B', type: 'cross_sell', occurredAt: d('2025-01-20T00:00:00Z'), mrr: 260 },
  { accountId: 'B', type: 'renewed', occurredAt: d('2025-01-21T00:00:00Z') },
  { accountId: 'B', type: 'churned', occurredAt: d('2025-01-25T00:00:00Z') },
  // C: started and churned in the period; its upsell is not expansion (C is not atStart).
  { accountId: 'C', type: 'upsell', occurredAt: d('2025-01-10T00:00:00Z'), mrr: 90 },
  { accountId: 'C', type: 'churned', occurredAt: d('2025-01-20T00:00:00Z') },
  // D: onboarding completed exactly at startedAt + 30 days (counts).
  { accountId: 'D', type: 'onboarding_completed', occurredAt: d('2025-02-09T00:00:00Z') },
  // E: onboarding completed one second after the 30-day window.
  { accountId: 'E', type: 'onboarding_completed', occurredAt: d('2025-02-14T00:00:01Z') },
  // F: churned before the period.
  { accountId: 'F', type: 'churned', occurredAt: d('2024-12-15T00:00:00Z') },
  // H: upsell before the period, churn exactly at `from` (atStart, and churned in the period).
  { accountId: 'H', type: 'upsell', occurredAt: d('2024-12-20T00:00:00Z'), mrr: 200 },
  { accountId: 'H', type: 'churned', occurredAt: from },
  // I: a plain contraction.
  { accountId: 'I', type: 'contraction', occurredAt: d('2025-01-05T00:00:00Z'), mrr: 70 },
  // J: upsell, then churn in the same period.
  { accountId: 'J', type: 'upsell', occurredAt: d('2025-01-08T00:00:00Z'), mrr: 90 },
  { accountId: 'J', type: 'churned', occurredAt: d('2025-01-18T00:00:00Z') },
  // An event of an unknown account is ignored.
  { accountId: 'nobody', type: 'churned', occurredAt: d('2025-01-18T00:00:00Z') },
];

export const nps: NpsResponse[] = [
  { accountId: 'A', score: 10, respondedAt: from }, // at `from`: counts
  { accountId: 'A', score: 6, respondedAt: d('2025-01-03T00:00:00Z') },
  { accountId: 'B', score: 7, respondedAt: d('2025-01-04T00:00:00Z') },
  { accountId: 'D', score: 8, respondedAt: d('2025-01-12T00:00:00Z') },
  { accountId: 'E', score: 9, respondedAt: d('2025-01-20T00:00:00Z') },
  { accountId: 'D', score: 10, respondedAt: to }, // at `to`: does not count
];
