import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Client } from '@temporalio/client';
import { collections } from '../../lib/collections.js';
import { loadConfig } from '../../lib/config.js';
import { buildApp } from '../../server/app.js';
import auth, { hashToken, newToken, PrincipalCache } from '../../server/plugins/auth.js';
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

  /** The auth plugin alone, over the stack's database, with a clock the test moves. */
  async function authApp(tokenCacheSeconds: number, clock: { now: number }) {
    const app = Fastify({ logger: false });
    await app.register(auth, {
      db: api.db,
      adminToken: undefined,
      tokenCacheSeconds,
      now: () => clock.now,
    });
    app.get('/me', async (request) => request.principal);
    return {
      app,
      me: async (token: string) =>
        (await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
    };
  }

  async function userWithToken() {
    const token = newToken();
    const id = `user_${randomUUID()}`;
    await collections(api.db).users.insertOne({
      _id: id,
      email: `${id}@retain.test`,
      name: 'Cached CSM',
      role: 'csm',
      tokenHash: hashToken(token),
      createdAt: new Date(),
    });
    return { id, token };
  }

  it('a rotated token stops working once its cache entry expires, the new one works at once', async () => {
    const clock = { now: 1_000_000 };
    const { app, me } = await authApp(30, clock);
    try {
      const { id, token } = await userWithToken();
      expect(await me(token)).toBe(200);
      const rotated = newToken();
      await collections(api.db).users.updateOne({ _id: id }, { $set: { tokenHash: hashToken(rotated) } });
      expect(await me(rotated)).toBe(200);
      clock.now += 29_999;
      expect(await me(token)).toBe(200); // still within the window
      clock.now += 1;
      expect(await me(token)).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('a removed user stops working within the window; with TOKEN_CACHE_SECONDS=0 at once', async () => {
    const clock = { now: 5_000_000 };
    const cached = await authApp(60, clock);
    const uncached = await authApp(0, clock);
    try {
      const { id, token } = await userWithToken();
      expect(await cached.me(token)).toBe(200);
      expect(await uncached.me(token)).toBe(200);
      await collections(api.db).users.deleteOne({ _id: id });
      expect(await uncached.me(token)).toBe(401);
      expect(await cached.me(token)).toBe(200);
      clock.now += 60_000;
      expect(await cached.me(token)).toBe(401);
    } finally {
      await cached.app.close();
      await uncached.app.close();
    }
  });

  it('remembers a bounded number of tokens, dropping the oldest first', () => {
    const cache = new PrincipalCache(60_000, () => 0, 3);
    const principal = (id: string) => ({ id, email: `${id}@x.test`, name: id, role: 'csm' as const });
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, principal(id));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')?.id).toBe('d');
  });

  it('TOKEN_CACHE_SECONDS defaults to 60 and may not be longer', () => {
    const env = { TEMPORAL_ADDRESS: '127.0.0.1:7233', MONGODB_URI: 'mongodb://x', SMTP_URL: 'smtp://x' };
    expect(loadConfig(env).tokenCacheSeconds).toBe(60);
    expect(loadConfig({ ...env, TOKEN_CACHE_SECONDS: '0' }).tokenCacheSeconds).toBe(0);
    expect(() => loadConfig({ ...env, TOKEN_CACHE_SECONDS: '61' })).toThrow(/TOKEN_CACHE_SECONDS/);
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
