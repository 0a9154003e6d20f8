/**
 * The kickoff, onboarding and renewal-upsell playbooks end to end on the time-skipping server,
 * each branch both ways, with real activities, database and SMTP.
 */
import { describe, expect, test } from 'vitest';
import type { AccountDoc } from '../../lib/documents.js';
import { accountEvent, cancelRun } from '../../workflows/contract.js';
import { loadShippedPlaybook, usePlaybookEnv } from './playbook-env.js';

const pe = usePlaybookEnv('shipped-e2e');
const accountDoc = async (id: string) => pe.it.db.collection<AccountDoc>('accounts').findOne({ _id: id });

describe('kickoff', () => {
  test('goals agreed on day 2: outcome recorded, account moves to onboarding', async () => {
    const account = await pe.account();
    const handle = await pe.start(loadShippedPlaybook('kickoff'), account);
    await pe.env.sleep('2d');
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1); // the welcome from the CSM
    await pe.completeTask(handle, 'kickoff_call', 'goals_agreed');
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'goals_agreed', goalReached: false });
    expect(await accountDoc(account._id)).toMatchObject({ lifecycle: 'onboarding', attributes: { kickoffCompleted: true } });
    expect(pe.mailTo('maya@retain.test')).toHaveLength(0);
  });

  test('never held: an overdue notice to the CSM after a week, kickoff_missed after two, task cancelled', async () => {
    const account = await pe.account({ segment: 'low-touch' });
    const handle = await pe.start(loadShippedPlaybook('kickoff'), account);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'kickoff_missed', goalReached: false });
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(1);
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status])).toEqual([['kickoff_call', 'cancelled']]);
    const run = await pe.run(handle.workflowId);
    expect(run?.audit.filter((e) => e.event === 'timed_out')).toHaveLength(2);
  });
});

describe('kickoff, rescheduled', () => {
  test('rescheduled, then held: a second task, and goals agreed on the second try', async () => {
    const account = await pe.account();
    const handle = await pe.start(loadShippedPlaybook('kickoff'), account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_call', 'rescheduled');
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_second_try', 'goals_agreed');
    expect(await handle.result()).toMatchObject({ outcome: 'goals_agreed' });
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status, t.outcome])).toEqual([['kickoff_call', 'completed', 'rescheduled'], ['kickoff_second_try', 'completed', 'goals_agreed']]);
  });
});

describe('onboarding', () => {
  test('activated by day 4: the goal ends the run after the setup guide (onboarding_completed)', async () => {
    const account = await pe.account({ segment: 'tech-touch', plan: 'starter', csm: '', attributes: { activated: false } });
    const handle = await pe.start(loadShippedPlaybook('onboarding'), account);
    await pe.env.sleep('4d');
    await pe.it.db.collection<AccountDoc>('accounts').updateOne({ _id: account._id }, { $set: { 'attributes.activated': true } });
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'onboarding_completed', goalReached: true });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(2); // welcome, setup guide
  });

  test('never activated: a nudge on day 7, a check-in on day 14, onboarding_stalled at day 30', async () => {
    const account = await pe.account({ segment: 'tech-touch', plan: 'starter', csm: '', attributes: { activated: false } });
    const handle = await pe.start(loadShippedPlaybook('onboarding'), account);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'onboarding_stalled', goalReached: false });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(4); // welcome, setup guide, nudge, check-in
    expect(await accountDoc(account._id)).toMatchObject({ lifecycle: 'adoption', attributes: { onboardingNudged: true } });
    expect((await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'day7_check')?.detail).toMatchObject({ branch: 'else', seen: { account: { attributes: { activated: false } } } });
  });
});

describe('renewal-upsell', () => {
  const seats = { seatsUsed: 95, seatLimit: 100 };

  test('green and near its seat limit: an upsell proposal and a call task; cancelling cancels the open tasks', async () => {
    const account = await pe.account({ attributes: seats, health: { score: 82, band: 'green', observedAt: new Date() } });
    const handle = await pe.start(loadShippedPlaybook('renewal-upsell'), account);
    await pe.env.sleep('1d');
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(2); // renewal notice, upsell proposal
    expect((await pe.tasks(account._id)).map((t) => t.stepId)).toEqual(['renewal_prep', 'upsell_call']);
    await handle.signal(cancelRun, { reason: 'Customer signed early' });
    expect(await handle.result()).toEqual({ status: 'cancelled', outcome: null, goalReached: false });
    expect((await pe.tasks(account._id)).map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(await pe.run(handle.workflowId)).toMatchObject({ status: 'cancelled', cancelReason: 'Customer signed early' });
  });

  test('on track, upsell agreed and the contract renewed: outcomes upsell then renewed', async () => {
    const account = await pe.account({ attributes: seats, health: { score: 85, band: 'green', observedAt: new Date() } });
    const handle = await pe.start(loadShippedPlaybook('renewal-upsell'), account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'on_track');
    await pe.completeTask(handle, 'upsell_call', 'upsell');
    await pe.env.sleep('50d');
    await handle.signal(accountEvent, { name: 'contract.renewed', data: {}, occurredAt: new Date().toISOString() });
    expect(await handle.result()).toMatchObject({ status: 'completed', outcome: 'renewed' });
    const outcomes = await pe.it.db.collection('outcomes').find({ accountId: account._id }).sort({ recordedAt: 1 }).toArray();
    expect(outcomes.map((o) => o.name)).toEqual(['upsell', 'renewed']);
  });

  test('churn risk at the 30-day check: a save call, and churned when the CSM says so', async () => {
    const account = await pe.account({ attributes: seats, health: { score: 60, band: 'yellow', observedAt: new Date() } });
    const handle = await pe.start(loadShippedPlaybook('renewal-upsell'), account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'churn_risk');
    await pe.env.sleep('50d');
    await pe.completeTask(handle, 'save_call', 'churned');
    expect(await handle.result()).toMatchObject({ status: 'completed', outcome: 'churned' });
    expect(pe.mailTo('maya@retain.test').length).toBeGreaterThanOrEqual(1); // the at-risk notice
  });

  test('yellow health: no upsell proposal, only the renewal notice and the prep task', async () => {
    const account = await pe.account({ attributes: seats, health: { score: 55, band: 'yellow', observedAt: new Date() } });
    const handle = await pe.start(loadShippedPlaybook('renewal-upsell'), account);
    await pe.env.sleep('1d');
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1);
    expect((await pe.tasks(account._id)).map((t) => t.stepId)).toEqual(['renewal_prep']);
    expect((await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'upsell_check')?.detail).toMatchObject({ branch: 'else', seen: { health: { band: 'yellow' } } });
    await handle.signal(cancelRun, { reason: 'test over' });
    await handle.result();
  });
});
