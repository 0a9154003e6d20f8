/**
 * The shipped tech-touch onboarding playbook end to end on the time-skipping server, with real
 * activities, database and SMTP: the goal ending the run early, the 30-day miss, a control run.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import { loadShippedPlaybook, recordHistory, usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const pe = usePlaybookEnv('onboarding-e2e');
let playbook: Playbook;
beforeAll(() => {
  playbook = loadShippedPlaybook('onboarding');
});
const accounts = () => collections(pe.it.db).accounts;
const techTouch = () =>
  pe.account({ segment: 'tech-touch', plan: 'starter', csm: '', attributes: { activated: false } });

describe('onboarding', () => {
  test('activated by day 4: the goal ends the run after the setup guide (onboarding_completed)', async () => {
    const account = await techTouch();
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('4d');
    await accounts().updateOne({ _id: account._id }, { $set: { 'attributes.activated': true } });
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'onboarding_completed',
      goalReached: true,
    });
    const subjects = pe.mailTo(account.contacts[0].email);
    expect(subjects).toEqual([
      expect.stringMatching(/^Welcome, Dana/),
      expect.stringMatching(/setup checklist/),
    ]);
    const run = await pe.run(handle.workflowId);
    expect(run?.audit.find((e) => e.kind === 'goal' && e.event === 'reached')?.detail).toMatchObject({
      seen: { account: { attributes: { activated: true } } },
    });
    const outcomes = await collections(pe.it.db).outcomes.find({ accountId: account._id }).toArray();
    expect(outcomes.map((o) => o.name)).toEqual(['onboarding_completed']);
    await recordHistory('onboarding-activated', handle);
  });

  test('never activated: a nudge on day 7, a check-in on day 14, onboarding_stalled at day 30', async () => {
    const account = await techTouch();
    const handle = await pe.start(playbook, account);
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'onboarding_stalled',
      goalReached: false,
    });
    const subjects = pe.mailTo(account.contacts[0].email);
    expect(subjects).toHaveLength(4);
    expect(subjects[2]).toMatch(/Need a hand/);
    expect(subjects[3]).toMatch(/Two weeks in/);
    expect(await accounts().findOne({ _id: account._id })).toMatchObject({
      lifecycle: 'adoption',
      attributes: { onboardingNudged: true },
    });
    const run = await pe.run(handle.workflowId);
    expect(run?.audit.find((e) => e.step === 'day7_check')?.detail).toMatchObject({
      branch: 'else',
      seen: { account: { attributes: { activated: false } } },
    });
    expect(run?.audit.find((e) => e.kind === 'goal' && e.event === 'missed')?.detail).toEqual({
      within: '30d',
    });
    await recordHistory('onboarding-stalled', handle);
  });

  test('already activated when enrolled: the goal holds at the start and nothing is sent', async () => {
    const account = await pe.account({
      segment: 'tech-touch',
      plan: 'starter',
      csm: '',
      attributes: { activated: true },
    });
    const handle = await pe.start(playbook, account);
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'onboarding_completed',
      goalReached: true,
    });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(0);
    expect((await pe.run(handle.workflowId))?.audit.find((e) => e.kind === 'goal')?.detail).toMatchObject({
      atStart: true,
    });
  });

  test('a control run sends nothing but observes the activation within a day', async () => {
    const account = await techTouch();
    const handle = await pe.start(playbook, account, { control: true });
    await pe.env.sleep('10d');
    // Only the stored attribute changes; nobody tells the run.
    await accounts().updateOne({ _id: account._id }, { $set: { 'attributes.activated': true } });
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'onboarding_completed',
      goalReached: true,
    });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(0);
    const run = await pe.run(handle.workflowId);
    expect(run).toMatchObject({ control: true, goalReached: true });
    expect(run!.endedAt!.getTime() - run!.startedAt.getTime()).toBeLessThanOrEqual(11 * 86_400_000);
    await recordHistory('onboarding-control', handle);
  });
});
