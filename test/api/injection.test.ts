import { beforeAll, describe, expect, it } from 'vitest';
import { useApiStack } from './helpers.js';

/** No MongoDB operator or path can reach a query or an update through the API. */
describe('API rejects MongoDB operator injection', () => {
  const api = useApiStack('injection');
  beforeAll(async () => {
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'target-1' }) });
  });

  it('rejects an operator object in place of an id in a body', async () => {
    const res = await api.call('POST', '/v1/nps', {
      body: { accountId: { $gt: '' }, score: 5, respondedAt: '2025-01-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('rejects an operator object in place of a CSM reference', async () => {
    const res = await api.call('POST', '/v1/accounts', { body: api.accountBody({ csm: { $ne: null } }) });
    expect(res.statusCode).toBe(400);
  });

  it('rejects $where as a field of a body', async () => {
    const res = await api.call('PATCH', '/v1/accounts/target-1', { body: { $where: 'sleep(1000)' } });
    expect(res.statusCode).toBe(400);
  });

  it('rejects attribute keys that start with $ or contain a dot', async () => {
    for (const attributes of [{ $set: 'x' }, { 'csm.id': 'x' }, { a: { $gt: 1 } }]) {
      const res = await api.call('PATCH', '/v1/accounts/target-1', { body: { attributes } });
      expect(res.statusCode, JSON.stringify(attributes)).toBe(400);
    }
  });

  it('rejects an operator in a query string', async () => {
    for (const query of ['csm[$ne]=x', 'segment[$gt]=', 'band=%7B%22%24gt%22%3A%22%22%7D']) {
      const res = await api.call('GET', `/v1/accounts?${query}`);
      expect(res.statusCode, query).toBe(400);
    }
  });

  it('rejects an operator or a path as an id in the URL', async () => {
    for (const id of ['$where', '..%2Fusers', 'a.%24gt']) {
      const res = await api.call('GET', `/v1/accounts/${id}`);
      expect(res.statusCode, id).toBe(400);
    }
  });

  it('rejects health components with operator keys', async () => {
    const res = await api.call('POST', '/v1/accounts/target-1/health', {
      body: { score: 50, components: { $inc: 5 } },
    });
    expect(res.statusCode).toBe(400);
  });

  it('leaves the account unchanged after every attempt', async () => {
    const res = await api.call('GET', '/v1/accounts/target-1');
    expect(res.json()).toMatchObject({ id: 'target-1', csm: api.users.csm.id, attributes: { seats: 10 } });
  });
});
