/**
 * The email log, the public unsubscribe link, the timeline's and KPI endpoints' errors, on the
 * real stack with a worker sending through a real SMTP server.
 */
import { describe, expect, test } from 'vitest';
import { signUnsubscribeToken } from '../../activities/unsubscribe-token.js';
import { useApiStack } from './helpers.js';

const api = useApiStack('emails', { worker: true });

const welcome = `id: story-welcome
name: Welcome (email log test)
trigger: { on: manual }
steps:
  - id: welcome
    email: { template: onboarding-welcome }
  - wait: 30d
`;

describe('emails and unsubscribe', () => {
  test('a sent email appears in the log for the account', async () => {
    await api.publish(welcome);
    const account = (await api.call('POST', '/v1/accounts', { body: api.accountBody({ segment: 'tech-touch' }) })).json();
    expect((await api.call('POST', '/v1/playbooks/story-welcome/runs', { body: { accountId: account.id } })).statusCode).toBe(201);
    const log = await api.eventually(async () => {
      const res = await api.call('GET', `/v1/emails?accountId=${account.id}`, { token: api.tokens.csm });
      expect(res.json().items).toEqual([expect.objectContaining({ template: 'onboarding-welcome', status: 'sent', to: ['dana@acme.example'] })]);
      return res.json();
    });
    expect(log.total).toBe(1);
    expect((await api.call('GET', `/v1/emails?accountId=${account.id}`, { token: api.tokens.otherCsm })).statusCode).toBe(403);
    expect((await api.call('GET', '/v1/emails?accountId=nope', { token: api.tokens.admin })).statusCode).toBe(404);
  });

  test('the unsubscribe link is public, idempotent and suppresses the category', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, { email: 'Dana@Acme.example', category: 'product-tips' });
    for (let i = 0; i < 2; i++) {
      const res = await api.call('GET', `/v1/unsubscribe?token=${encodeURIComponent(token)}`, { token: null });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('You are unsubscribed');
    }
    expect(await api.db.collection('suppressions').countDocuments({ email: 'dana@acme.example', category: 'product-tips' })).toBe(1);
    const oneClick = await api.call('POST', `/v1/unsubscribe?token=${encodeURIComponent(token)}`, { token: null, raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(oneClick.statusCode).toBe(200);
  });

  test('a forged unsubscribe token is refused with a page a person understands', async () => {
    const token = signUnsubscribeToken('someone-else', { email: 'victim@acme.example', category: 'renewal' });
    const res = await api.call('GET', `/v1/unsubscribe?token=${encodeURIComponent(token)}`, { token: null });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('not valid');
    expect(await api.db.collection('suppressions').countDocuments({ email: 'victim@acme.example' })).toBe(0);
    expect((await api.call('GET', '/v1/unsubscribe', { token: null })).statusCode).toBe(400);
  });
});

describe('timeline and KPI errors', () => {
  test('timeline: 404 for an unknown account, 403 for another CSM, 401 without a token', async () => {
    const account = (await api.call('POST', '/v1/accounts', { body: api.accountBody() })).json();
    expect((await api.call('GET', `/v1/accounts/${account.id}/timeline`, { token: api.tokens.otherCsm })).statusCode).toBe(403);
    expect((await api.call('GET', '/v1/accounts/nope/timeline')).statusCode).toBe(404);
    expect((await api.call('GET', `/v1/accounts/${account.id}/timeline`, { token: null })).statusCode).toBe(401);
    expect((await api.call('GET', `/v1/accounts/${account.id}/timeline?limit=0`)).statusCode).toBe(400);
  });

  test('KPIs: malformed and empty periods are 400 with a stable code', async () => {
    const bad = await api.call('GET', '/v1/kpis?from=2025-13-01&to=2025-02-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_date');
    expect((await api.call('GET', '/v1/kpis?from=2025-02-01&to=2025-01-01')).json().error.code).toBe('empty_period');
    expect((await api.call('GET', '/v1/kpis?from=2025-01-01')).json().error.code).toBe('validation_failed');
    expect((await api.call('GET', '/v1/kpis?from=2025-01-01&to=2025-02-01&segment=vip')).statusCode).toBe(400);
    const grouped = await api.call('GET', '/v1/kpis?from=2025-01-01&to=2025-02-01&groupBy=plan');
    expect(grouped.statusCode).toBe(200);
    expect(grouped.json().groups).toBeDefined();
  });
});
