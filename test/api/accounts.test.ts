import { describe, expect, it } from 'vitest';
import { useApiStack } from './helpers.js';
import { collections } from '../../lib/collections.js';

describe('API accounts', () => {
  const api = useApiStack('accounts');

  it("creates an account with the caller's id, resolving the CSM by email", async () => {
    const body = api.accountBody({ id: 'acme-1' });
    const res = await api.call('POST', '/v1/accounts', { token: api.tokens.integration, body });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      id: 'acme-1',
      csm: api.users.csm.id,
      lifecycle: 'onboarding',
      attributes: { seats: 10 },
    });
  });

  it('generates an id when the caller gives none', async () => {
    const { id: _, ...body } = api.accountBody();
    const res = await api.call('POST', '/v1/accounts', { body });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toMatch(/^acc_/);
  });

  it('fires account.created: an account.created playbook enrols the new account', async () => {
    await api.publish(api.playbookYaml('api-welcome', 'account.created'));
    const res = await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'welcomed-1' }) });
    expect(res.statusCode).toBe(201);
    const enrolment = await collections(api.db).enrolments.findOne({
      accountId: 'welcomed-1',
      playbookId: 'api-welcome',
    });
    expect(enrolment).not.toBeNull();
  });

  it('answers 409 account_exists for an id already taken', async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'dup-1' }) });
    const res = await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'dup-1' }) });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('account_exists');
  });

  it('answers 422 unknown_csm when the CSM is no user', async () => {
    const res = await api.call('POST', '/v1/accounts', {
      body: api.accountBody({ csm: 'nobody@example.com' }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('unknown_csm');
  });

  it('answers 400 for an unknown segment or an unknown field', async () => {
    expect(
      (await api.call('POST', '/v1/accounts', { body: api.accountBody({ segment: 'white-glove' }) }))
        .statusCode,
    ).toBe(400);
    const res = await api.call('POST', '/v1/accounts', { body: { ...api.accountBody(), colour: 'blue' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('lets the owning CSM read the account and forbids another CSM', async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'owned-1' }) });
    expect((await api.call('GET', '/v1/accounts/owned-1', { token: api.tokens.csm })).statusCode).toBe(200);
    const res = await api.call('GET', '/v1/accounts/owned-1', { token: api.tokens.otherCsm });
    expect(res.statusCode).toBe(403);
  });

  it('answers 404 not_found for an unknown account', async () => {
    const res = await api.call('GET', '/v1/accounts/no-such-account');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('patches fields and merges attributes, null removing a key', async () => {
    await api.call('POST', '/v1/accounts', {
      body: api.accountBody({ id: 'patch-1', attributes: { seats: 10, tier: 'gold' } }),
    });
    const res = await api.call('PATCH', '/v1/accounts/patch-1', {
      token: api.tokens.csm,
      body: { lifecycle: 'adoption', attributes: { seats: 12, tier: null } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ lifecycle: 'adoption', attributes: { seats: 12 } });
    expect(res.json().attributes).not.toHaveProperty('tier');
  });

  it('forbids a CSM to reassign an account to another CSM', async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'patch-2' }) });
    const res = await api.call('PATCH', '/v1/accounts/patch-2', {
      token: api.tokens.csm,
      body: { csm: api.users.otherCsm.email },
    });
    expect(res.statusCode).toBe(403);
  });

  it('refuses to patch MRR: MRR changes are account events', async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'patch-3' }) });
    const res = await api.call('PATCH', '/v1/accounts/patch-3', { body: { mrr: 1 } });
    expect(res.statusCode).toBe(400);
  });

  it('lists accounts filtered by segment with pagination', async () => {
    for (const id of ['tt-1', 'tt-2', 'tt-3'])
      await api.call('POST', '/v1/accounts', { body: api.accountBody({ id, segment: 'tech-touch' }) });
    const res = await api.call('GET', '/v1/accounts?segment=tech-touch&limit=2&offset=1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(res.json().items.map((a: { id: string }) => a.id)).toEqual(['tt-2', 'tt-3']);
  });

  it('lists accounts by health band', async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'red-1' }) });
    await api.call('POST', '/v1/accounts/red-1/health', { body: { score: 12 } });
    const res = await api.call('GET', '/v1/accounts?band=red');
    expect(res.json().items.map((a: { id: string }) => a.id)).toEqual(['red-1']);
  });

  it('shows a CSM only their own accounts', async () => {
    const res = await api.call('GET', '/v1/accounts', { token: api.tokens.otherCsm });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.every((a: { csm: string }) => a.csm === api.users.otherCsm.id)).toBe(true);
  });
});
