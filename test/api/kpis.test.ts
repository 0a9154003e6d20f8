/**
 * KPIs through HTTP: a small book of accounts, events and NPS answers pushed through the
 * ingest API, and the figures of docs/kpis.md for March 2025 computed by hand below.
 * Playbook effectiveness from real runs is covered by the story test.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { useApiStack } from './helpers.js';

const api = useApiStack('kpis');

/**
 * Period [2025-03-01, 2025-04-01).
 * a high-touch 1000, since 2024 — upsell to 1500 on 03-10 (expansion +500)
 * b low-touch 400, since 2024 — churned 03-20
 * c tech-touch 100, since 2025-01 — contraction to 50 on 03-05 (contraction 50)
 * d tech-touch 200, new on 03-15 — onboarding completed 03-25 (within 30 days)
 * e low-touch 300, starts exactly at `to`: not part of the period
 * f high-touch 500, since 2024 — churned exactly at `from`: in atStart, and churned in the period
 */
const book = [
  { id: 'k-a', segment: 'high-touch', plan: 'enterprise', mrr: 1000, startedAt: '2024-06-01T00:00:00Z' },
  { id: 'k-b', segment: 'low-touch', plan: 'growth', mrr: 400, startedAt: '2024-09-01T00:00:00Z' },
  { id: 'k-c', segment: 'tech-touch', plan: 'starter', mrr: 100, startedAt: '2025-01-01T00:00:00Z' },
  { id: 'k-d', segment: 'tech-touch', plan: 'starter', mrr: 200, startedAt: '2025-03-15T00:00:00Z' },
  { id: 'k-e', segment: 'low-touch', plan: 'growth', mrr: 300, startedAt: '2025-04-01T00:00:00Z' },
  { id: 'k-f', segment: 'high-touch', plan: 'enterprise', mrr: 500, startedAt: '2024-01-01T00:00:00Z' },
];
const events: [string, Record<string, unknown>][] = [
  ['k-a', { type: 'upsell', occurredAt: '2025-03-10T12:00:00Z', mrr: 1500 }],
  ['k-b', { type: 'churned', occurredAt: '2025-03-20T08:00:00Z' }],
  ['k-c', { type: 'contraction', occurredAt: '2025-03-05T00:00:00Z', mrr: 50 }],
  ['k-d', { type: 'onboarding_completed', occurredAt: '2025-03-25T00:00:00Z' }],
  ['k-f', { type: 'churned', occurredAt: '2025-03-01T00:00:00Z' }],
];
const nps = [
  { accountId: 'k-a', score: 10, respondedAt: '2025-03-02T00:00:00Z' },
  { accountId: 'k-b', score: 3, respondedAt: '2025-03-12T00:00:00Z' },
  { accountId: 'k-c', score: 8, respondedAt: '2025-03-31T23:59:59Z' },
  { accountId: 'k-a', score: 0, respondedAt: '2025-04-01T00:00:00Z' },
];
const health = [
  ['k-a', { score: 80, observedAt: '2025-03-03T00:00:00Z' }],
  ['k-c', { score: 20, observedAt: '2025-03-06T00:00:00Z' }],
  ['k-c', { score: 75, observedAt: '2025-04-02T00:00:00Z' }],
] as const;

beforeAll(async () => {
  const accounts = book.map((a) =>
    api.call('POST', '/v1/accounts', { token: api.tokens.integration, body: api.accountBody(a) }),
  );
  for (const res of accounts) expect((await res).statusCode).toBe(201);
  const facts = [
    ...events.map(([id, e]) =>
      api.call('POST', `/v1/accounts/${id}/events`, { token: api.tokens.integration, body: e }),
    ),
    ...nps.map((n) => api.call('POST', '/v1/nps', { token: api.tokens.integration, body: n })),
  ];
  for (const res of facts) expect((await res).statusCode).toBe(201);
  for (const [id, h] of health)
    expect((await api.call('POST', `/v1/accounts/${id}/health`, { body: h })).statusCode).toBe(201);
});

const march = 'from=2025-03-01&to=2025-04-01';

describe('GET /v1/kpis', () => {
  test('every figure of docs/kpis.md for the whole book', async () => {
    const res = await api.call('GET', `/v1/kpis?${march}`);
    expect(res.statusCode, res.body).toBe(200);
    const { total, period, groups } = res.json();
    expect(period).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z' });
    expect(groups).toBeUndefined();
    expect(total).toEqual({
      accounts: { atStart: 4, new: 1, churned: 2, atEnd: 3 },
      customerChurnRate: 50,
      retentionRate: 50,
      mrr: { atStart: 2000, expansion: 500, contraction: 50, churned: 900, atEnd: 1750 },
      revenueChurnRate: 45,
      grossRevenueRetention: 52.5,
      netRevenueRetention: 77.5,
      upsellRate: 25,
      crossSellRate: 0,
      onboarding: { cohort: 1, completed: 1, rate: 100 },
      nps: { responses: 3, promoters: 1, passives: 1, detractors: 1, score: 0 },
      arpa: 1750 / 3,
      ltv: 1750 / 3 / 0.5,
    });
  });

  test('segment=tech-touch computes over that segment only, with null where a denominator is 0', async () => {
    const { total, segment } = (await api.call('GET', `/v1/kpis?${march}&segment=tech-touch`)).json();
    expect(segment).toBe('tech-touch');
    expect(total).toMatchObject({
      accounts: { atStart: 1, new: 1, churned: 0, atEnd: 2 },
      customerChurnRate: 0,
      mrr: { atStart: 100, expansion: 0, contraction: 50, churned: 0, atEnd: 250 },
      grossRevenueRetention: 50,
      nps: { responses: 1, passives: 1, score: 0 },
      arpa: 125,
      ltv: null,
    });
  });

  test('groupBy=segment answers one block per segment beside the total', async () => {
    const { total, groups } = (await api.call('GET', `/v1/kpis?${march}&groupBy=segment`)).json();
    expect(total.accounts.atStart).toBe(4);
    expect(groups.map((g: { key: string }) => g.key)).toEqual(['high-touch', 'low-touch', 'tech-touch']);
    expect(groups[0]).toMatchObject({
      accounts: { atStart: 2, churned: 1 },
      customerChurnRate: 50,
      upsellRate: 50,
    });
    expect(groups[1]).toMatchObject({ accounts: { atStart: 1, churned: 1, atEnd: 0 }, arpa: null });
  });

  test('only admins (CS ops) read KPIs; no token is 401', async () => {
    expect((await api.call('GET', `/v1/kpis?${march}`, { token: api.tokens.csm })).statusCode).toBe(403);
    expect((await api.call('GET', `/v1/kpis?${march}`, { token: api.tokens.integration })).statusCode).toBe(
      403,
    );
    expect((await api.call('GET', `/v1/kpis?${march}`, { token: null })).statusCode).toBe(401);
  });

  test('malformed and empty periods, unknown segments and groupings are 400 with a stable code', async () => {
    const code = async (query: string) => (await api.call('GET', `/v1/kpis?${query}`)).json().error.code;
    expect(await code('from=2025-13-01&to=2025-02-01')).toBe('invalid_date');
    expect(await code('from=2025-02-01&to=2025-01-01')).toBe('empty_period');
    expect(await code('from=2025-01-01&to=2025-01-01')).toBe('empty_period');
    expect(await code('from=2025-01-01')).toBe('validation_failed');
    expect(await code('from=2025-01-01T00:00:00Z&to=2025-02-01')).toBe('validation_failed');
    expect(await code(`${march}&segment=vip`)).toBe('validation_failed');
    expect(await code(`${march}&groupBy=csm`)).toBe('validation_failed');
  });
});

describe('GET /v1/kpis/playbooks and /v1/kpis/operations', () => {
  test('effectiveness of a period without runs is an empty list', async () => {
    const res = await api.call('GET', `/v1/kpis/playbooks?${march}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().playbooks).toEqual([]);
    expect((await api.call('GET', `/v1/kpis/playbooks?${march}`, { token: api.tokens.csm })).statusCode).toBe(
      403,
    );
    expect((await api.call('GET', '/v1/kpis/playbooks?from=2025-03-01')).statusCode).toBe(400);
  });

  test('operations: health bands as they stood at `to`', async () => {
    const res = await api.call('GET', `/v1/kpis/operations?${march}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ healthBands: { green: 1, yellow: 0, red: 1 }, tasks: [] });
    expect(
      (await api.call('GET', '/v1/kpis/operations?from=2025-04-01&to=2025-03-01')).json().error.code,
    ).toBe('empty_period');
  });
});
