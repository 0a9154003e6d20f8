/**
 * The email log through HTTP, on the real stack with a worker sending through a real SMTP
 * server: what went to an account's contacts, visible to its CSM and admins only.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { useApiStack } from './helpers.js';

const api = useApiStack('emails', { worker: true });

const welcome = `id: log-welcome
name: Welcome (email log test)
trigger: { on: manual }
steps:
  - id: welcome
    email: { template: onboarding-welcome }
  - wait: 30d
`;

async function accountWithWelcome(over: Record<string, unknown> = {}): Promise<string> {
  const account = (
    await api.call('POST', '/v1/accounts', { body: api.accountBody({ segment: 'tech-touch', ...over }) })
  ).json();
  expect(
    (await api.call('POST', '/v1/playbooks/log-welcome/runs', { body: { accountId: account.id } }))
      .statusCode,
  ).toBe(201);
  await api.eventually(async () => {
    const res = await api.call('GET', `/v1/emails?accountId=${account.id}`);
    expect(res.json().items.map((e: { status: string }) => e.status)).toEqual(['sent']);
  });
  return account.id;
}

let own: string;
let others: string;

beforeAll(async () => {
  await api.publish(welcome);
  own = await accountWithWelcome();
  others = await accountWithWelcome({
    csm: api.users.otherCsm.email,
    contacts: [{ email: 'lee@globex.example', name: 'Lee Park', role: 'primary' }],
  });
});

describe('email log', () => {
  test("an account's log shows the email sent by its run, to its primary contact", async () => {
    const res = await api.call('GET', `/v1/emails?accountId=${own}`, { token: api.tokens.csm });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(res.json().items).toEqual([
      expect.objectContaining({
        accountId: own,
        template: 'onboarding-welcome',
        category: expect.any(String),
        status: 'sent',
        to: ['dana@acme.example'],
        sentAt: expect.any(String),
      }),
    ]);
  });

  test('without an account, a CSM sees the emails of their own accounts only; an admin sees all', async () => {
    const mine = await api.call('GET', '/v1/emails', { token: api.tokens.csm });
    expect(mine.json().items.map((e: { accountId: string }) => e.accountId)).toEqual([own]);
    const all = await api.call('GET', '/v1/emails?limit=1', { token: api.tokens.admin });
    expect(all.json()).toMatchObject({ total: 2, limit: 1 });
    expect(all.json().items).toHaveLength(1);
  });

  test("another CSM's account is 403, an unknown one 404", async () => {
    const res = await api.call('GET', `/v1/emails?accountId=${others}`, { token: api.tokens.csm });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect((await api.call('GET', '/v1/emails?accountId=nope')).json().error.code).toBe('not_found');
  });

  test('no token is 401, an integration is 403, an unknown filter is 400', async () => {
    expect((await api.call('GET', '/v1/emails', { token: null })).statusCode).toBe(401);
    expect((await api.call('GET', '/v1/emails', { token: api.tokens.integration })).statusCode).toBe(403);
    const res = await api.call('GET', '/v1/emails?to=dana@acme.example');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});
