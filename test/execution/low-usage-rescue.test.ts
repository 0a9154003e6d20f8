/**
 * The shipped low-usage-rescue playbook end to end on the time-skipping test server, with the
 * real activities writing to the real database and sending through a real SMTP server.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import type { AccountDoc } from '../../lib/documents.js';
import { loadShippedPlaybook, recordHistory, usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const pe = usePlaybookEnv('rescue-e2e');
const turnedRed = { health: { score: 30, band: 'red' }, previous: { score: 75, band: 'green' } };
let playbook: Playbook;
beforeAll(() => {
  playbook = loadShippedPlaybook('low-usage-rescue');
});

const redAccount = (over: Partial<AccountDoc> = {}) =>
  pe.account({
    segment: 'tech-touch',
    plan: 'starter',
    csm: '',
    health: { score: 30, band: 'red', observedAt: new Date() },
    ...over,
  });

describe('low-usage-rescue', () => {
  test('tech-touch, health stays red: tips, a check-in after a week, an alert after two more, rescue_failed at 45 days', async () => {
    const account = await redAccount();
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
    });
    const subjects = pe.mailTo(account.contacts[0].email);
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toMatch(/a faster way to get value/);
    expect(pe.webhookCalls.filter((c) => c.accountId === account._id)).toEqual([
      expect.objectContaining({
        event: 'playbook.notify',
        message: expect.stringContaining('still red two weeks'),
      }),
    ]);
    const run = await pe.run(handle.workflowId);
    expect(run).toMatchObject({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
      control: false,
    });
    expect(run?.audit.find((e) => e.step === 'by_segment')?.detail).toMatchObject({
      branch: 'default',
      seen: { account: { segment: 'tech-touch' } },
    });
    expect(run?.audit.find((e) => e.step === 'still_red')?.detail).toMatchObject({
      branch: 'then',
      seen: { health: { band: 'red' } },
    });
    await recordHistory('low-usage-rescue-tech-touch-stays-red', handle);
  });

  test('tech-touch, health recovers on day 3: the goal ends the run at once, rescued, no further email', async () => {
    const account = await redAccount();
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('3d');
    await pe.setHealth(handle, account, 78, 'green', turnedRed.health);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'rescued', goalReached: true });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1);
    expect(
      (await pe.run(handle.workflowId))?.audit.some((e) => e.kind === 'goal' && e.event === 'reached'),
    ).toBe(true);
    await recordHistory('low-usage-rescue-tech-touch-recovers', handle);
  });

  test('a control run sends nothing and creates no task, but records that the goal was reached', async () => {
    const account = await redAccount();
    const handle = await pe.start(playbook, account, { control: true, seen: turnedRed });
    await pe.env.sleep('10d');
    await pe.setHealth(handle, account, 72, 'green', turnedRed.health);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'rescued', goalReached: true });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(0);
    expect(await pe.tasks(account._id)).toHaveLength(0);
    expect(await pe.run(handle.workflowId)).toMatchObject({ control: true, goalReached: true });
    await recordHistory('low-usage-rescue-control', handle);
  });

  test('high-touch: an urgent call task; recovery ends the run and cancels the open task', async () => {
    const account = await redAccount({ segment: 'high-touch', plan: 'enterprise', csm: 'csm-maya' });
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('1d');
    const [call] = await pe.tasks(account._id);
    expect(call).toMatchObject({
      stepId: 'rescue_call',
      assignee: 'csm-maya',
      priority: 'urgent',
      status: 'open',
      outcomes: ['reached', 'no_answer', 'churn_risk'],
    });
    await pe.setHealth(handle, account, 81, 'green', turnedRed.health);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'rescued', goalReached: true });
    expect((await pe.tasks(account._id)).map((t) => t.status)).toEqual(['cancelled']);
    expect(pe.mailTo('maya@retain.test')).toHaveLength(0);
  });

  test('low-touch: the CSM reports churn risk; the account is flagged and the webhook told', async () => {
    const account = await redAccount({ segment: 'low-touch', plan: 'growth', csm: 'csm-maya' });
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('1h');
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1);
    await pe.completeTask(handle, 'check_in_call', 'churn_risk');
    await pe.env.sleep('1d');
    const stored = await collections(pe.it.db).accounts.findOne({ _id: account._id });
    expect(stored?.attributes).toMatchObject({ churnRisk: true });
    expect(pe.webhookCalls.filter((c) => c.accountId === account._id)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('Churn risk reported') }),
    ]);
    await pe.setHealth(handle, account, 90, 'green', turnedRed.health);
    expect((await handle.result()).outcome).toBe('rescued');
  });

  test('tech-touch, health only back to yellow: no check-in after a week, no alert, rescue_failed', async () => {
    const account = await redAccount();
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('3d');
    await pe.setHealth(handle, account, 55, 'yellow', turnedRed.health);
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
    });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1); // the tips only
    expect(pe.webhookCalls.filter((c) => c.accountId === account._id)).toEqual([]);
    const audit = (await pe.run(handle.workflowId))?.audit ?? [];
    expect(
      audit.find((e) => e.kind === 'if' && e.detail.condition === 'health.band == "red"')?.detail,
    ).toMatchObject({ branch: 'else', seen: { health: { band: 'yellow' } } });
    expect(audit.find((e) => e.step === 'still_red')?.detail).toMatchObject({
      branch: 'else',
      seen: { health: { band: 'yellow' } },
    });
  });

  test('high-touch, the call is never made: an overdue notice, then an escalation notice and task; all tasks cancelled at the end', async () => {
    const account = await redAccount({ segment: 'high-touch', plan: 'enterprise', csm: 'csm-maya' });
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('5d');
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(1); // call overdue
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
    });
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(2); // + escalation
    const tasks = await pe.tasks(account._id);
    expect(tasks.map((t) => [t.stepId, t.priority, t.status])).toEqual([
      ['rescue_call', 'urgent', 'cancelled'],
      ['escalation', 'urgent', 'cancelled'],
    ]);
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(0); // high-touch: the CSM calls, no automated email
  });

  test('high-touch, the call reaches the customer and health climbs to yellow: no overdue notice, no escalation', async () => {
    const account = await redAccount({ segment: 'high-touch', plan: 'enterprise', csm: 'csm-maya' });
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'rescue_call', 'reached');
    await pe.env.sleep('2d');
    await pe.setHealth(handle, account, 60, 'yellow', turnedRed.health);
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
    });
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(0);
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status, t.outcome])).toEqual([
      ['rescue_call', 'completed', 'reached'],
    ]);
    const stored = await collections(pe.it.db).accounts.findOne({ _id: account._id });
    expect(stored?.attributes).not.toHaveProperty('churnRisk');
  });

  test('low-touch, the call is not logged within 5 days: the run moves on and escalates while still red', async () => {
    const account = await redAccount({ segment: 'low-touch', plan: 'growth', csm: 'csm-maya' });
    const handle = await pe.start(playbook, account, { seen: turnedRed });
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'rescue_failed',
      goalReached: false,
    });
    const run = await pe.run(handle.workflowId);
    expect(run?.audit.filter((e) => e.event === 'timed_out').map((e) => e.detail)).toEqual([
      { timeout: '5d' },
    ]);
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status])).toEqual([
      ['check_in_call', 'cancelled'],
      ['escalation', 'cancelled'],
    ]);
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(1); // escalation notice
  });
});
