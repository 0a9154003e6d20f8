/**
 * A realistic book for the through-the-API KPI test, from a fixed seed: 10,000 accounts started
 * over two years, ~50,000 events (onboarding, yearly renewals, upsells, cross-sells,
 * contractions, churn) and NPS responses. It also carries what real feeds carry: events at
 * exactly midnight (period boundaries), onboarding exactly at the 30-day deadline, a churn
 * reported twice, events after a churn, and accounts started and churned in the same month.
 *
 * No two MRR changes of one account share an instant: the naive computation does not apply the
 * rule of docs/kpis.md for a tie (the higher MRR is taken).
 */
import { dayMs } from '../../language/durations.js';
export interface BookAccount {
  id: string;
  segment: 'high-touch' | 'low-touch' | 'tech-touch';
  plan: string;
  mrr: number;
  startedAt: Date;
}
export interface BookEvent {
  accountId: string;
  type: string;
  occurredAt: Date;
  mrr?: number;
}
export interface BookNps {
  accountId: string;
  score: number;
  respondedAt: Date;
}

const start = Date.UTC(2023, 0, 1);

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function generateBook(accountCount = 10_000, seed = 20261122) {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const days = (n: number) => Math.floor(random() * n) * dayMs;
  // Half the timestamps land exactly on midnight UTC, where period boundaries are.
  const instant = (t: number) => (random() < 0.5 ? t - (t % dayMs) : t);
  const accounts: BookAccount[] = [];
  const events: BookEvent[] = [];
  const nps: BookNps[] = [];
  for (let i = 0; i < accountCount; i++) {
    const startedAt = instant(start + days(730) + Math.floor(random() * dayMs));
    const a: BookAccount = {
      id: `bk-${i}`,
      segment: pick(['high-touch', 'low-touch', 'tech-touch'] as const),
      plan: pick(['starter', 'growth', 'scale', 'enterprise']),
      mrr: 50 + Math.floor(random() * 40) * 50,
      startedAt: new Date(startedAt),
    };
    accounts.push(a);
    const own: BookEvent[] = [];
    const add = (type: string, t: number, mrr?: number) =>
      own.push({ accountId: a.id, type, occurredAt: new Date(t), ...(mrr !== undefined ? { mrr } : {}) });
    const r = random();
    if (r < 0.6)
      add(
        'onboarding_completed',
        startedAt + Math.floor(random() * 45) * dayMs + (random() < 0.5 ? 0 : 3_600_000),
      );
    else if (r < 0.65) add('onboarding_completed', startedAt + 30 * dayMs); // exactly at the deadline
    const end = start + 800 * dayMs;
    for (let t = startedAt + 365 * dayMs; t < end; t += 365 * dayMs) add('renewed', t);
    let mrr = a.mrr;
    let t = startedAt;
    const changes = Math.floor(random() * 8);
    for (let k = 0; k < changes; k++) {
      t = instant(t + dayMs + days(200)) + k; // + k ms: never two changes at one instant
      const kind = pick(['upsell', 'upsell', 'cross_sell', 'contraction']);
      mrr =
        kind === 'contraction'
          ? Math.max(50, mrr - 50 * (1 + Math.floor(random() * 5)))
          : mrr + 50 * (1 + Math.floor(random() * 10));
      add(kind, t, mrr);
    }
    if (random() < 0.3) {
      const churnedAt = instant(startedAt + days(random() < 0.1 ? 25 : 700));
      add('churned', churnedAt);
      if (random() < 0.05) add('churned', churnedAt + days(30) + dayMs); // reported again later
      if (random() < 0.03) add('upsell', churnedAt + days(20) + dayMs + 7, mrr + 100); // after the churn
    }
    for (let k = 0; k < 1 + Math.floor(random() * 2); k++)
      nps.push({
        accountId: a.id,
        score: Math.floor(random() * 11),
        respondedAt: new Date(instant(startedAt + days(600))),
      });
    events.push(...own);
  }
  return { accounts, events, nps };
}
