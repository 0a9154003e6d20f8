import { describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { buildApp } from '../../server/app.js';
import { useApiStack } from './helpers.js';

describe('API authentication and roles', () => {
  const api = useApiStack('auth');

  it('answers 401 unauthenticated without an Authorization header', async () => {
    const res = await api.call('GET', '/v1/users/me', { token: null });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('answers 401 invalid_token for an unknown token', async () => {
    const res = await api.call('GET', '/v1/users/me', { token: 'rt_not-a-real-token' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('invalid_token');
  });

  it('accepts ADMIN_TOKEN from the environment as an admin', async () => {
    const res = await api.call('GET', '/v1/users/me', { token: api.adminToken });
    expect(res.statusCode).toBe(200);
    expect(res.json().role).toBe('admin');
  });

  it('accepts a token created through POST /v1/users and tells who it is', async () => {
    const res = await api.call('GET', '/v1/users/me', { token: api.tokens.csm });
    expect(res.json()).toEqual({
      id: api.users.csm.id,
      email: api.users.csm.email,
      name: 'Casey CSM',
      role: 'csm',
    });
  });

  it('answers 403 forbidden when the role may not do it', async () => {
    const res = await api.call('GET', '/v1/users', { token: api.tokens.csm });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('lets an integration only ingest: reading accounts is forbidden', async () => {
    const res = await api.call('GET', '/v1/accounts', { token: api.tokens.integration });
    expect(res.statusCode).toBe(403);
  });

  it('sets security headers on API answers', async () => {
    const res = await api.call('GET', '/v1/users/me');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-ratelimit-limit']).toBeDefined();
  });

  it('answers 429 rate_limited past RATE_LIMIT_PER_MINUTE, counted per token', async () => {
    // A second app over the same database with a limit of 3; these routes never reach Temporal.
    const limited = await buildApp(
      { config: { ...api.config, rateLimitPerMinute: 3 }, db: api.db, temporal: new Client() },
      { logger: false },
    );
    try {
      const me = (token: string) =>
        limited.inject({ method: 'GET', url: '/v1/users/me', headers: { authorization: `Bearer ${token}` } });
      const first = [await me(api.tokens.csm), await me(api.tokens.csm), await me(api.tokens.csm)];
      expect(first.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const over = await me(api.tokens.csm);
      expect(over.statusCode).toBe(429);
      expect(over.json().error.code).toBe('rate_limited');
      expect((await me(api.tokens.otherCsm)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('serves an OpenAPI document that lists the API routes', async () => {
    const res = await api.call('GET', '/docs/json', { token: null });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/accounts',
        '/v1/accounts/{id}/health',
        '/v1/health',
        '/v1/playbooks',
        '/v1/runs/{id}/cancel',
        '/v1/tasks',
        '/v1/tasks/{id}/complete',
        '/v1/emails',
        '/v1/unsubscribe',
        '/v1/accounts/{id}/timeline',
        '/v1/kpis',
        '/v1/kpis/playbooks',
      ]),
    );
  });
});
