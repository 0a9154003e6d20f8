import { beforeAll, describe, expect, it } from 'vitest';
import { useApiStack } from './helpers.js';
import { collections } from '../../lib/collections.js';

describe('API ingest: health, account events, NPS', () => {
  const api = useApiStack('ingest');
  beforeAll(async () => {
    for (const id of ['h-1', 'h-2', 'h-3', 'e-1', 'n-1'])
      await api.call('POST', '/v1/accounts', { body: api.accountBody({ id }) });
    await api.publish(api.playbookYaml('api-rescue', 'health.changed', 'health.band == "red"'));
  });

  it('answers the band, the previous band and the enrolments a health score caused', async () => {
    const first = await api.call('POST', '/v1/accounts/h-1/health', {
      token: api.tokens.integration,
      body: { score: 80 },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ accountId: 'h-1', score: 80, band: 'green', previousBand: 'none' });
    expect(first.json().enrolments).toEqual([
      expect.objectContaining({ playbookId: 'api-rescue', status: 'not_eligible' }),
    ]);
    const second = await api.call('POST', '/v1/accounts/h-1/health', {
      token: api.tokens.integration,
      body: { score: 20, components: { usage: 10 } },
    });
    expect(second.json()).toMatchObject({ band: 'red', previousBand: 'green' });
    expect(second.json().enrolments).toEqual([
      expect.objectContaining({ playbookId: 'api-rescue', status: 'started' }),
    ]);
  });

  it('answers 404 for the health of an unknown account', async () => {
    const res = await api.call('POST', '/v1/accounts/ghost/health', { body: { score: 50 } });
    expect(res.statusCode).toBe(404);
  });

  it('answers 400 for a score outside 0–100', async () => {
    const res = await api.call('POST', '/v1/accounts/h-2/health', { body: { score: 101 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('records a retried health POST with the same Idempotency-Key once and replays the answer', async () => {
    const send = () =>
      api.call('POST', '/v1/accounts/h-2/health', {
        token: api.tokens.integration,
        body: { score: 55 },
        headers: { 'idempotency-key': 'h2-once' },
      });
    const first = await send();
    const retry = await send();
    expect(retry.statusCode).toBe(first.statusCode);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await collections(api.db).healthObservations.countDocuments({ accountId: 'h-2' })).toBe(1);
  });

  it('answers 409 idempotency_conflict for a reused key with another body', async () => {
    const headers = { 'idempotency-key': 'h2-conflict' };
    await api.call('POST', '/v1/accounts/h-2/health', { body: { score: 60 }, headers });
    const res = await api.call('POST', '/v1/accounts/h-2/health', { body: { score: 61 }, headers });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('idempotency_conflict');
  });

  it('takes a batch of health scores and answers per item, an unknown account failing alone', async () => {
    const res = await api.call('POST', '/v1/health', {
      token: api.tokens.integration,
      body: {
        items: [
          { accountId: 'h-3', score: 90 },
          { accountId: 'ghost', score: 50 },
          { accountId: 'h-3', score: 45 },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ recorded: 2, failed: 1 });
    expect(body.results[0]).toMatchObject({
      index: 0,
      status: 'recorded',
      band: 'green',
      previousBand: 'none',
    });
    expect(body.results[1]).toMatchObject({ index: 1, status: 'failed', error: { code: 'not_found' } });
    expect(body.results[2]).toMatchObject({
      index: 2,
      status: 'recorded',
      band: 'yellow',
      previousBand: 'green',
    });
  });

  it('refuses a batch of more than 1,000 items', async () => {
    const items = Array.from({ length: 1001 }, () => ({ accountId: 'h-3', score: 50 }));
    const res = await api.call('POST', '/v1/health', { body: { items } });
    expect(res.statusCode).toBe(400);
  });

  it('records a KPI account event and stores it for the timeline', async () => {
    const res = await api.call('POST', '/v1/accounts/e-1/events', {
      token: api.tokens.integration,
      body: { type: 'upsell', occurredAt: '2025-03-01T00:00:00Z', mrr: 2000 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      accountId: 'e-1',
      type: 'upsell',
      occurredAt: '2025-03-01T00:00:00.000Z',
      enrolments: [],
    });
    expect(await collections(api.db).accountEvents.findOne({ _id: res.json().id })).toMatchObject({
      type: 'upsell',
      data: { mrr: 2000 },
    });
  });

  it('accepts any other event name, for event triggers', async () => {
    const res = await api.call('POST', '/v1/accounts/e-1/events', {
      body: { type: 'feature.used', occurredAt: '2025-03-02T00:00:00Z', data: { feature: 'reports' } },
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers 422 mrr_required for an upsell without its new MRR', async () => {
    const res = await api.call('POST', '/v1/accounts/e-1/events', {
      body: { type: 'upsell', occurredAt: '2025-03-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('mrr_required');
  });

  it('records an NPS response with its category', async () => {
    const res = await api.call('POST', '/v1/nps', {
      token: api.tokens.integration,
      body: { accountId: 'n-1', score: 9, respondedAt: '2025-03-01T10:00:00Z', comment: 'Great' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ accountId: 'n-1', score: 9, category: 'promoter' });
  });

  it('answers 400 for an NPS score above 10 and 404 for an unknown account', async () => {
    expect(
      (
        await api.call('POST', '/v1/nps', {
          body: { accountId: 'n-1', score: 11, respondedAt: '2025-03-01T10:00:00Z' },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await api.call('POST', '/v1/nps', {
          body: { accountId: 'ghost', score: 5, respondedAt: '2025-03-01T10:00:00Z' },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('forbids a CSM to ingest', async () => {
    const res = await api.call('POST', '/v1/accounts/h-1/health', {
      token: api.tokens.csm,
      body: { score: 50 },
    });
    expect(res.statusCode).toBe(403);
  });
});
