import { describe, expect, it } from 'vitest';
import { useApiStack } from './helpers.js';
import { collections } from '../../lib/collections.js';

describe('API users', () => {
  const api = useApiStack('users');

  it('creates a user and shows its token once', async () => {
    const res = await api.call('POST', '/v1/users', {
      body: { email: 'Robin@Example.com', name: 'Robin', role: 'csm' },
    });
    expect(res.statusCode).toBe(201);
    const { user, token } = res.json();
    expect(user).toMatchObject({ email: 'robin@example.com', name: 'Robin', role: 'csm' });
    expect(token).toMatch(/^rt_/);
    const me = await api.call('GET', '/v1/users/me', { token });
    expect(me.json().id).toBe(user.id);
  });

  it('stores the token hashed, never in clear', async () => {
    const res = await api.call('POST', '/v1/users', {
      body: { email: 'hash@example.com', name: 'Hash', role: 'integration' },
    });
    const { user, token } = res.json();
    const doc = await collections(api.db).users.findOne({ _id: user.id });
    expect(JSON.stringify(doc)).not.toContain(token);
  });

  it('answers 409 email_taken for a second user with the same email', async () => {
    const res = await api.call('POST', '/v1/users', {
      body: { email: api.users.csm.email, name: 'Twin', role: 'csm' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('email_taken');
  });

  it('answers 400 validation_failed for an unknown role', async () => {
    const res = await api.call('POST', '/v1/users', {
      body: { email: 'x@example.com', name: 'X', role: 'owner' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('lists users without their token hashes, filtered by role', async () => {
    const res = await api.call('GET', '/v1/users?role=integration');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.length).toBeGreaterThan(0);
    expect(body.items.every((u: { role: string }) => u.role === 'integration')).toBe(true);
    expect(body.items[0]).not.toHaveProperty('tokenHash');
    expect(body).toMatchObject({ limit: 50, offset: 0 });
  });

  it('forbids an integration to create users', async () => {
    const res = await api.call('POST', '/v1/users', {
      token: api.tokens.integration,
      body: { email: 'y@example.com', name: 'Y', role: 'admin' },
    });
    expect(res.statusCode).toBe(403);
  });
});
