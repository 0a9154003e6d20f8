/**
 * The shipped kickoff playbook end to end on the time-skipping server, with real activities,
 * database and SMTP: every way the kickoff task can end, and both waits timing out or not.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import type { AccountDoc } from '../../lib/documents.js';
import { auditQuery, stateQuery } from '../../workflows/contract.js';
import { loadShippedPlaybook, recordHistory, usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const pe = usePlaybookEnv('kickoff-e2e');
let playbook: Playbook;
beforeAll(() => {
  playbook = loadShippedPlaybook('kickoff');
});
// Signed, not yet onboarding: the run's last steps move the account on.
const newAccount = (over: Partial<AccountDoc> = {}) => pe.account({ lifecycle: 'signed', ...over });
const accountDoc = async (id: string) => collections(pe.it.db).accounts.findOne({ _id: id });
const csmMail = (account: AccountDoc) =>
  pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name));

describe('kickoff', () => {
  test('goals agreed on day 2: welcome sent, outcome recorded, account moves to onboarding', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('2d');
    expect(pe.mailTo(account.contacts[0].email)).toEqual([expect.stringContaining('Welcome aboard, Dana')]);
    // Where the run is, from the workflow and from its persisted record alike.
    expect(await handle.query(stateQuery)).toEqual({
      status: 'running',
      currentStep: 'wait_for_kickoff',
      outcome: null,
    });
    expect(await pe.run(handle.workflowId)).toMatchObject({
      status: 'running',
      currentStep: 'wait_for_kickoff',
    });
    await pe.completeTask(handle, 'kickoff_call', 'goals_agreed');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'goals_agreed',
      goalReached: false,
    });
    expect(await handle.query(stateQuery)).toEqual({
      status: 'completed',
      currentStep: null,
      outcome: 'goals_agreed',
    });
    const audit = await handle.query(auditQuery);
    expect(audit.map((e) => [e.step, e.event])).toEqual(
      expect.arrayContaining([
        [null, 'account.created'],
        ['kickoff_call', 'created'],
        ['welcome', 'sent'],
        ['kickoff_call', 'completed'],
        ['wait_for_kickoff', 'done'],
        [null, 'ended'],
      ]),
    );
    expect((await pe.run(handle.workflowId))?.audit).toHaveLength(audit.length);
    expect(await accountDoc(account._id)).toMatchObject({
      lifecycle: 'onboarding',
      attributes: { kickoffCompleted: true },
    });
    expect(csmMail(account)).toHaveLength(0);
    const outcomes = await collections(pe.it.db).outcomes.find({ accountId: account._id }).toArray();
    expect(outcomes.map((o) => o.name)).toEqual(['goals_agreed']);
    await recordHistory('kickoff-goals-agreed', handle);
  });

  test('never held: an overdue notice to the CSM after a week, kickoff_missed after two, task cancelled', async () => {
    const account = await newAccount({ segment: 'low-touch' });
    const handle = await pe.start(playbook, account);
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'kickoff_missed',
      goalReached: false,
    });
    expect(csmMail(account)).toHaveLength(1);
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status])).toEqual([
      ['kickoff_call', 'cancelled'],
    ]);
    const run = await pe.run(handle.workflowId);
    expect(run?.audit.filter((e) => e.event === 'timed_out')).toHaveLength(2);
    expect(await accountDoc(account._id)).toMatchObject({ lifecycle: 'signed', attributes: {} });
    expect((await accountDoc(account._id))?.attributes).not.toHaveProperty('kickoffCompleted');
    await recordHistory('kickoff-never-held', handle);
  });

  test('held in the second week: one overdue notice, then goals agreed', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('9d');
    expect(csmMail(account)).toHaveLength(1);
    await pe.completeTask(handle, 'kickoff_call', 'goals_agreed');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'goals_agreed',
      goalReached: false,
    });
    expect(await accountDoc(account._id)).toMatchObject({ lifecycle: 'onboarding' });
  });

  test('no-show: the CSM is told to call today and the run ends kickoff_missed', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_call', 'no_show');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'kickoff_missed',
      goalReached: false,
    });
    const notice = pe.it.inbox.messages.find(
      (m) => m.envelopeTo.includes('maya@retain.test') && m.text?.includes(account.name),
    );
    expect(notice?.text).toMatch(/did not attend the kickoff/);
    expect(
      (await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'kickoff_result')?.detail,
    ).toMatchObject({ branch: 'default', seen: { steps: { kickoff_call: { outcome: 'no_show' } } } });
    expect(await accountDoc(account._id)).toMatchObject({ lifecycle: 'signed', attributes: {} });
    expect((await accountDoc(account._id))?.attributes).not.toHaveProperty('kickoffCompleted');
  });
});

describe('kickoff, rescheduled', () => {
  test('then held: a second task, and goals agreed on the second try', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_call', 'rescheduled');
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_second_try', 'goals_agreed');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'goals_agreed',
      goalReached: false,
    });
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status, t.outcome])).toEqual([
      ['kickoff_call', 'completed', 'rescheduled'],
      ['kickoff_second_try', 'completed', 'goals_agreed'],
    ]);
    expect(await accountDoc(account._id)).toMatchObject({
      lifecycle: 'onboarding',
      attributes: { kickoffCompleted: true },
    });
    await recordHistory('kickoff-rescheduled', handle);
  });

  test('then a no-show on the second try: kickoff_missed', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_call', 'rescheduled');
    await pe.env.sleep('3d');
    await pe.completeTask(handle, 'kickoff_second_try', 'no_show');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'kickoff_missed',
      goalReached: false,
    });
    const audit = (await pe.run(handle.workflowId))?.audit ?? [];
    expect(audit.find((e) => e.kind === 'if' && e.event === 'branch')?.detail).toMatchObject({
      branch: 'else',
      seen: { steps: { kickoff_second_try: { outcome: 'no_show' } } },
    });
  });

  test('then never held: kickoff_missed after the second wait times out, task cancelled', async () => {
    const account = await newAccount();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'kickoff_call', 'rescheduled');
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'kickoff_missed',
      goalReached: false,
    });
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status])).toEqual([
      ['kickoff_call', 'completed'],
      ['kickoff_second_try', 'cancelled'],
    ]);
    expect(
      (await pe.run(handle.workflowId))?.audit.filter((e) => e.event === 'timed_out').map((e) => e.detail),
    ).toEqual([{ timeout: '14d' }]);
  });
});
