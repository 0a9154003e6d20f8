/**
 * The account timeline through HTTP: items from several collections merged newest first, and
 * paged so that walking the pages (by offset, or by `before`) returns every item exactly once.
 * Runs, tasks and emails on the timeline are covered by the story test (they need a worker).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { useApiStack } from './helpers.js';

const api = useApiStack('timeline');

interface Item {
  at: string;
  type: string;
  summary: string;
  data: Record<string, unknown>;
}

const day = (n: number) => new Date(Date.UTC(2025, 2, n, 9)).toISOString();
let accountId: string;

/** Nine items on distinct days, interleaved across three collections (health, events, NPS). */
beforeAll(async () => {
  accountId = (
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'timeline-acme' }) })
  ).json().id;
  // One after another: each health score's previous band depends on the one before it.
  const writes = [
    () => api.call('POST', `/v1/accounts/${accountId}/health`, { body: { score: 82, observedAt: day(1) } }),
    () =>
      api.call('POST', `/v1/accounts/${accountId}/events`, { body: { type: 'renewed', occurredAt: day(2) } }),
    () =>
      api.call('POST', '/v1/nps', {
        body: { accountId, score: 9, respondedAt: day(3), comment: 'Great onboarding' },
      }),
    () => api.call('POST', `/v1/accounts/${accountId}/health`, { body: { score: 55, observedAt: day(4) } }),
    () =>
      api.call('POST', `/v1/accounts/${accountId}/events`, {
        body: { type: 'upsell', occurredAt: day(5), mrr: 1500 },
      }),
    () => api.call('POST', '/v1/nps', { body: { accountId, score: 4, respondedAt: day(6) } }),
    () => api.call('POST', `/v1/accounts/${accountId}/health`, { body: { score: 30, observedAt: day(7) } }),
    () =>
      api.call('POST', `/v1/accounts/${accountId}/events`, {
        body: { type: 'contraction', occurredAt: day(8), mrr: 900 },
      }),
    () => api.call('POST', '/v1/nps', { body: { accountId, score: 7, respondedAt: day(9) } }),
  ];
  for (const write of writes) expect((await write()).statusCode).toBe(201);
});

async function timeline(query = '', token?: string): Promise<{ items: Item[]; total: number }> {
  const res = await api.call('GET', `/v1/accounts/${accountId}/timeline${query}`, token ? { token } : {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('account timeline', () => {
  test('merges health, events and NPS answers into one list, newest first', async () => {
    const { items, total } = await timeline('', api.tokens.csm);
    expect(total).toBe(9);
    expect(items.map((i) => i.at)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1].map(day));
    expect(items.map((i) => i.type)).toEqual([
      'nps',
      'event',
      'health',
      'nps',
      'event',
      'health',
      'nps',
      'event',
      'health',
    ]);
    expect(items[2]).toMatchObject({
      summary: 'Health 30 (red, was yellow)',
      data: { score: 30, band: 'red', previousBand: 'yellow' },
    });
    expect(items[3]).toMatchObject({ data: { score: 4 } });
    expect(items[4]).toMatchObject({ summary: 'Event upsell', data: { type: 'upsell', mrr: 1500 } });
  });

  test('pages by offset return every item exactly once, in order', async () => {
    const all = (await timeline()).items.map((i) => i.at);
    const paged: string[] = [];
    for (let offset = 0; offset < 9; offset += 2) {
      const pageOf = await timeline(`?limit=2&offset=${offset}`);
      expect(pageOf.total).toBe(9);
      paged.push(...pageOf.items.map((i) => i.at));
    }
    expect(paged).toEqual(all);
  });

  test('before= reaches older history without a growing offset', async () => {
    const first = await timeline('?limit=4');
    const older = await timeline(`?limit=4&before=${encodeURIComponent(first.items[3].at)}`);
    expect(older.items.map((i) => i.at)).toEqual([5, 4, 3, 2].map(day));
    expect(older.total).toBe(5);
  });

  test('an unknown account is 404, another CSM is 403, no token is 401', async () => {
    expect((await api.call('GET', '/v1/accounts/nope/timeline')).json().error.code).toBe('not_found');
    const other = await api.call('GET', `/v1/accounts/${accountId}/timeline`, { token: api.tokens.otherCsm });
    expect(other.statusCode).toBe(403);
    expect((await api.call('GET', `/v1/accounts/${accountId}/timeline`, { token: null })).statusCode).toBe(
      401,
    );
    expect(
      (await api.call('GET', `/v1/accounts/${accountId}/timeline`, { token: api.tokens.integration }))
        .statusCode,
    ).toBe(403);
  });

  test('a page size of 0, a deep offset or an unknown parameter is 400', async () => {
    for (const query of ['?limit=0', '?limit=201', '?offset=5000', '?before=yesterday', '?type[$ne]=x']) {
      const res = await api.call('GET', `/v1/accounts/${accountId}/timeline${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });
});
