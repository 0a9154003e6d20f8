/**
 * KPIs of a realistic book, loaded through the API and read back through the API, checked
 * against a second, deliberately naive computation written here from docs/kpis.md alone
 * (it shares no code with kpis/): for every account and figure, the definition read literally.
 *
 * The book (book.ts): 10,000 accounts and ~51,000 events over two years. Most arrives by
 * POST /v1/history in batches; 200 events come late (after their accounts, in a batch of
 * their own) and 20 through the live route POST /v1/accounts/:id/events.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { documentCounts as countDocuments, useApiStack } from '../api/helpers.js';
import { generateBook, type BookAccount, type BookEvent, type BookNps } from './book.js';

const api = useApiStack('kpi_book');
const book = generateBook();
const late = new Set(book.events.filter((_, i) => i % 50 === 7).slice(0, 200));
const live = book.events.filter((e, i) => i % 50 === 23 && !late.has(e)).slice(0, 20);
const liveSet = new Set(live);

interface Query {
  from: string;
  to: string;
  segment?: BookAccount['segment'];
  groupBy?: 'segment' | 'plan';
  onboardingWindowDays?: number;
  grossMargin?: number;
}

/** docs/kpis.md, literally. */
function naiveBlock(
  accounts: BookAccount[],
  eventsOf: (id: string) => BookEvent[],
  nps: BookNps[],
  q: Query,
) {
  const from = new Date(`${q.from}T00:00:00Z`).getTime();
  const to = new Date(`${q.to}T00:00:00Z`).getTime();
  const window = q.onboardingWindowDays ?? 30;
  const ids = new Set(accounts.map((a) => a.id));
  const of = (a: BookAccount) => eventsOf(a.id);
  const churnedBefore = (a: BookAccount, t: number) =>
    of(a).some((e) => e.type === 'churned' && e.occurredAt.getTime() < t);
  const mrrJustBefore = (a: BookAccount, t: number) => {
    const changes = of(a).filter(
      (e) => ['upsell', 'cross_sell', 'contraction'].includes(e.type) && e.occurredAt.getTime() < t,
    );
    changes.sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime());
    return changes.length ? changes[changes.length - 1].mrr! : a.mrr;
  };
  const inPeriod = (t: Date) => t.getTime() >= from && t.getTime() < to;
  const atStart = accounts.filter((a) => a.startedAt.getTime() < from && !churnedBefore(a, from));
  const atEnd = accounts.filter((a) => a.startedAt.getTime() < to && !churnedBefore(a, to));
  const fresh = accounts.filter((a) => inPeriod(a.startedAt));
  const churned = atStart.filter((a) => of(a).some((e) => e.type === 'churned' && inPeriod(e.occurredAt)));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const changesInPeriod = atStart.flatMap((a) =>
    of(a)
      .filter((e) => ['upsell', 'cross_sell', 'contraction'].includes(e.type) && inPeriod(e.occurredAt))
      .map((e) => e.mrr! - mrrJustBefore(a, e.occurredAt.getTime())),
  );
  const firstChurn = (a: BookAccount) =>
    Math.min(
      ...of(a)
        .filter((e) => e.type === 'churned')
        .map((e) => e.occurredAt.getTime()),
    );
  const mrr = {
    atStart: sum(atStart.map((a) => mrrJustBefore(a, from))),
    expansion: sum(changesInPeriod.filter((c) => c > 0)),
    contraction: sum(changesInPeriod.filter((c) => c < 0).map((c) => -c)),
    churned: sum(churned.map((a) => mrrJustBefore(a, firstChurn(a)))),
    atEnd: sum(atEnd.map((a) => mrrJustBefore(a, to))),
  };
  const completed = fresh.filter((a) =>
    of(a).some(
      (e) =>
        e.type === 'onboarding_completed' &&
        e.occurredAt.getTime() <= a.startedAt.getTime() + window * 86_400_000,
    ),
  );
  const responses = nps.filter((r) => ids.has(r.accountId) && inPeriod(r.respondedAt));
  const promoters = responses.filter((r) => r.score >= 9).length;
  const passives = responses.filter((r) => r.score === 7 || r.score === 8).length;
  const detractors = responses.filter((r) => r.score <= 6).length;
  const rate = (n: number, d: number) => (d === 0 ? null : (100 * n) / d);
  const churnRate = rate(churned.length, atStart.length);
  const arpa = atEnd.length === 0 ? null : mrr.atEnd / atEnd.length;
  return {
    accounts: { atStart: atStart.length, new: fresh.length, churned: churned.length, atEnd: atEnd.length },
    customerChurnRate: churnRate,
    retentionRate: rate(atStart.length - churned.length, atStart.length),
    mrr,
    revenueChurnRate: rate(mrr.churned, mrr.atStart),
    grossRevenueRetention: rate(mrr.atStart - mrr.contraction - mrr.churned, mrr.atStart),
    netRevenueRetention: rate(mrr.atStart + mrr.expansion - mrr.contraction - mrr.churned, mrr.atStart),
    upsellRate: rate(
      atStart.filter((a) => of(a).some((e) => e.type === 'upsell' && inPeriod(e.occurredAt))).length,
      atStart.length,
    ),
    crossSellRate: rate(
      atStart.filter((a) => of(a).some((e) => e.type === 'cross_sell' && inPeriod(e.occurredAt))).length,
      atStart.length,
    ),
    onboarding: {
      cohort: fresh.length,
      completed: completed.length,
      rate: rate(completed.length, fresh.length),
    },
    nps: {
      responses: responses.length,
      promoters,
      passives,
      detractors,
      score: rate(promoters - detractors, responses.length),
    },
    arpa,
    ltv: arpa === null || !churnRate ? null : (arpa * (q.grossMargin ?? 1)) / (churnRate / 100),
  };
}

function naive(q: Query) {
  const scoped = book.accounts.filter((a) => !q.segment || a.segment === q.segment);
  const block = (accounts: BookAccount[]) =>
    naiveBlock(accounts, (id) => eventsByAccount.get(id) ?? [], book.nps, q);
  const total = block(scoped);
  if (!q.groupBy) return { total };
  const keyOf = (a: BookAccount) => (q.groupBy === 'plan' ? a.plan : a.segment);
  const keys =
    q.groupBy === 'segment'
      ? ['high-touch', 'low-touch', 'tech-touch'].filter((s) => !q.segment || s === q.segment)
      : [...new Set(scoped.filter((a) => a.startedAt < new Date(`${q.to}T00:00:00Z`)).map(keyOf))];
  return {
    total,
    groups: keys.sort().map((key) => ({ key, ...block(scoped.filter((a) => keyOf(a) === key)) })),
  };
}

/** Equal, numbers to 1e-9 relative (the sums run in another order), nulls exactly. */
function expectSame(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(expected)),
    );
  } else if (expected && typeof expected === 'object') {
    expect(actual, path).toBeTypeOf('object');
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else expect(actual, path).toEqual(expected);
}

const iso = (d: Date) => d.toISOString();
// Events by account, so that the naive computation stays quick on 10,000 accounts.
const eventsByAccount = new Map<string, BookEvent[]>();
for (const e of book.events)
  eventsByAccount.set(e.accountId, [...(eventsByAccount.get(e.accountId) ?? []), e]);

/** The book's accounts, events and NPS responses except the late and live ones, in batches of 500. */
const importBatches = (() => {
  const byAccount = new Map<string, BookEvent[]>();
  for (const e of book.events)
    if (!late.has(e) && !liveSet.has(e))
      byAccount.set(e.accountId, [...(byAccount.get(e.accountId) ?? []), e]);
  const npsOf = new Map<string, BookNps[]>();
  for (const r of book.nps) npsOf.set(r.accountId, [...(npsOf.get(r.accountId) ?? []), r]);
  const batches: Array<{ key: string; body: (csm: string) => unknown }> = [];
  for (let i = 0; i < book.accounts.length; i += 500) {
    const chunk = book.accounts.slice(i, i + 500);
    batches.push({
      key: `book-${i}`,
      body: (csm) => ({
        accounts: chunk.map((a) => ({
          id: a.id,
          name: `Account ${a.id}`,
          segment: a.segment,
          plan: a.plan,
          mrr: a.mrr,
          csm,
          contacts: [],
          startedAt: iso(a.startedAt),
        })),
        events: chunk.flatMap((a) =>
          (byAccount.get(a.id) ?? []).map((e) => ({
            accountId: e.accountId,
            type: e.type,
            occurredAt: iso(e.occurredAt),
            ...(e.mrr !== undefined ? { mrr: e.mrr } : {}),
          })),
        ),
        npsResponses: chunk.flatMap((a) =>
          (npsOf.get(a.id) ?? []).map((r) => ({
            accountId: r.accountId,
            score: r.score,
            respondedAt: iso(r.respondedAt),
          })),
        ),
      }),
    });
  }
  return batches;
})();
/** The first answer to each import batch, by key, for the retry to be compared with. */
const firstAnswers = new Map<string, string>();

const documentCounts = () => countDocuments(api.db);

beforeAll(async () => {
  expect(book.accounts.length).toBe(10_000);
  expect(book.events.length).toBeGreaterThanOrEqual(50_000);
  const csm = api.users.csm.email;
  const token = api.tokens.integration;
  const phase = (name: string, began: number) =>
    console.log(`[kpi book] ${name}: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  let began = performance.now();
  for (const batch of importBatches) {
    const res = await api.call('POST', '/v1/history', {
      token,
      body: batch.body(csm),
      headers: { 'idempotency-key': batch.key },
    });
    expect(res.statusCode, res.body).toBe(201);
    firstAnswers.set(batch.key, res.body);
  }
  phase('20 import batches', began);
  began = performance.now();
  const lateBody = {
    events: [...late].map((e) => ({
      accountId: e.accountId,
      type: e.type,
      occurredAt: iso(e.occurredAt),
      ...(e.mrr !== undefined ? { mrr: e.mrr } : {}),
    })),
  };
  expect((await api.call('POST', '/v1/history', { token, body: lateBody })).statusCode).toBe(201);
  phase('late batch', began);
  began = performance.now();
  for (const e of live) {
    const res = await api.call('POST', `/v1/accounts/${e.accountId}/events`, {
      token,
      body: { type: e.type, occurredAt: iso(e.occurredAt), ...(e.mrr !== undefined ? { mrr: e.mrr } : {}) },
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  phase('live events', began);
}, 900_000);

const queries: Query[] = [
  { from: '2024-06-01', to: '2024-07-01' },
  { from: '2023-01-01', to: '2023-02-01', groupBy: 'segment' },
  { from: '2024-01-01', to: '2025-01-01', groupBy: 'plan', grossMargin: 0.8 },
  { from: '2024-03-01', to: '2024-06-01', segment: 'low-touch', onboardingWindowDays: 14 },
  { from: '2024-11-15', to: '2024-11-16', segment: 'high-touch', groupBy: 'plan' },
  { from: '2023-01-01', to: '2025-03-01', groupBy: 'segment' },
  { from: '2020-01-01', to: '2020-12-31', groupBy: 'plan' },
];

describe('every figure through the API equals the naive computation', () => {
  for (const q of queries) {
    test(`${q.from} → ${q.to}${q.segment ? `, ${q.segment}` : ''}${q.groupBy ? `, by ${q.groupBy}` : ''}`, async () => {
      const query = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
      const res = await api.call('GET', `/v1/kpis?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      const { period: _p, segment: _s, ...figures } = res.json();
      const expected = naive(q);
      expectSame(figures, expected);
      if (q.from === '2024-06-01') expect(expected.total.accounts.churned).toBeGreaterThan(0); // the book is not trivial
    });
  }

  test('a retried import batch (same body, same Idempotency-Key) is answered as the first time and writes nothing', async () => {
    const q = 'from=2023-01-01&to=2025-03-01';
    const kpisBefore = (await api.call('GET', `/v1/kpis?${q}`)).json();
    const countsBefore = await documentCounts();
    const [batch] = importBatches;
    const res = await api.call('POST', '/v1/history', {
      token: api.tokens.integration,
      headers: { 'idempotency-key': batch.key },
      body: batch.body(api.users.csm.email),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await documentCounts()).toEqual(countsBefore);
    expect((await api.call('GET', `/v1/kpis?${q}`)).json()).toEqual(kpisBefore);
    // Answered from the stored first answer, not by importing again.
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.body).toBe(firstAnswers.get(batch.key));
  });

  test('the same Idempotency-Key with a different body is refused with 409 idempotency_conflict, writing nothing', async () => {
    const q = 'from=2023-01-01&to=2025-03-01';
    const kpisBefore = (await api.call('GET', `/v1/kpis?${q}`)).json();
    const countsBefore = await documentCounts();
    const [batch] = importBatches;
    const { accounts } = batch.body(api.users.csm.email) as { accounts: unknown[] };
    const res = await api.call('POST', '/v1/history', {
      token: api.tokens.integration,
      headers: { 'idempotency-key': batch.key },
      body: { accounts }, // the batch without its events and responses
    });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.code).toBe('idempotency_conflict');
    expect(await documentCounts()).toEqual(countsBefore);
    expect((await api.call('GET', `/v1/kpis?${q}`)).json()).toEqual(kpisBefore);
  });
});
