/**
 * The shipped renewal-upsell playbook end to end on the time-skipping server, with real
 * activities, database and SMTP: the upsell check both ways, the preparation on time or
 * overdue, the 30-day check's save motion (renewed, churned, no answer) and its renewal wait.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import type { AccountDoc } from '../../lib/documents.js';
import { accountEvent, cancelRequested } from '../../workflows/contract.js';
import { loadShippedPlaybook, recordHistory, usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const pe = usePlaybookEnv('renewal-e2e');
let playbook: Playbook;
beforeAll(() => {
  playbook = loadShippedPlaybook('renewal-upsell');
});

const nearSeatLimit = { seatsUsed: 95, seatLimit: 100 };
const renewing = (
  score: number,
  band: 'green' | 'yellow' | 'red',
  attributes: AccountDoc['attributes'] = nearSeatLimit,
) =>
  pe.account({
    lifecycle: 'adoption',
    attributes,
    health: { score, band, observedAt: new Date() },
    renewalAt: new Date(Date.now() + 90 * 86_400_000),
  });
const outcomesOf = async (accountId: string) =>
  (await collections(pe.it.db).outcomes.find({ accountId }).sort({ recordedAt: 1 }).toArray()).map(
    (o) => o.name,
  );
const csmMail = (account: AccountDoc) =>
  pe.it.inbox.messages.filter(
    (m) =>
      m.envelopeTo.includes('maya@retain.test') &&
      (m.subject.includes(account.name) || m.text.includes(account.name)),
  );
const renewed = { name: 'contract.renewed', data: {}, occurredAt: new Date().toISOString() };

describe('renewal-upsell: the upsell check', () => {
  test('green and near its seat limit: an upsell proposal and a call task; cancelling cancels the open tasks', async () => {
    const account = await renewing(82, 'green');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    expect(pe.mailTo(account.contacts[0].email)).toEqual([
      expect.stringMatching(/plan renews on/),
      expect.stringMatching(/close to its plan limits/),
    ]);
    expect((await pe.tasks(account._id)).map((t) => t.stepId)).toEqual(['renewal_prep', 'upsell_call']);
    await handle.signal(cancelRequested, { reason: 'Customer signed early' });
    expect(await handle.result()).toEqual({ status: 'cancelled', outcome: null, goalReached: false });
    expect((await pe.tasks(account._id)).map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(await pe.run(handle.workflowId)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Customer signed early',
    });
    await recordHistory('renewal-upsell-cancelled', handle);
  });

  test('on track, upsell agreed and the contract renewed: outcomes upsell then renewed', async () => {
    const account = await renewing(85, 'green');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'on_track');
    await pe.completeTask(handle, 'upsell_call', 'upsell');
    await pe.env.sleep('50d');
    await handle.signal(accountEvent, renewed);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'renewed', goalReached: false });
    expect(await outcomesOf(account._id)).toEqual(['upsell', 'renewed']);
    expect(await collections(pe.it.db).accounts.findOne({ _id: account._id })).toMatchObject({
      lifecycle: 'expansion',
    });
    await recordHistory('renewal-upsell-upsell-renewed', handle);
  });

  test('upsell declined: renewed without an upsell outcome', async () => {
    const account = await renewing(88, 'green');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'upsell_call', 'not_now');
    await pe.completeTask(handle, 'renewal_prep', 'on_track');
    await pe.env.sleep('50d');
    await handle.signal(accountEvent, renewed);
    expect(await handle.result()).toMatchObject({ outcome: 'renewed' });
    expect(await outcomesOf(account._id)).toEqual(['renewed']);
  });

  test('yellow health: no upsell proposal or call, only the renewal notice and the prep task', async () => {
    const account = await renewing(55, 'yellow');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(1);
    expect((await pe.tasks(account._id)).map((t) => t.stepId)).toEqual(['renewal_prep']);
    expect(
      (await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'upsell_check')?.detail,
    ).toMatchObject({ branch: 'else', seen: { health: { band: 'yellow' } } });
    await pe.completeTask(handle, 'renewal_prep', 'needs_negotiation');
    await pe.env.sleep('50d');
    await handle.signal(accountEvent, renewed);
    expect(await handle.result()).toMatchObject({ outcome: 'renewed' });
    expect(await outcomesOf(account._id)).toEqual(['renewed']);
  });
});

describe('renewal-upsell: the 30-day check', () => {
  test('preparation overdue and the renewal never signed: an overdue reminder, then churn_risk and an at-risk notice', async () => {
    const account = await renewing(60, 'yellow');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('15d');
    const reminder = csmMail(account);
    expect(reminder.map((m) => m.text)).toEqual([expect.stringContaining('renewal preparation')]);
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'churn_risk', goalReached: false });
    expect(csmMail(account).map((m) => m.subject)).toEqual([
      expect.any(String),
      expect.stringMatching(/^Renewal at risk/),
    ]);
    expect(await outcomesOf(account._id)).toEqual(['churn_risk']);
    const audit = (await pe.run(handle.workflowId))?.audit ?? [];
    expect(audit.filter((e) => e.event === 'timed_out').map((e) => e.step)).toEqual([
      'wait_for_prep',
      'renewal_signed',
    ]);
    expect((await pe.tasks(account._id)).map((t) => t.status)).toEqual(['cancelled']);
    await recordHistory('renewal-upsell-not-signed', handle);
  });

  test('churn risk reported: a save call, and churned when the CSM says so', async () => {
    const account = await renewing(60, 'yellow');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'churn_risk');
    await pe.env.sleep('50d');
    expect(csmMail(account).map((m) => m.subject)).toEqual([expect.stringMatching(/^Renewal at risk/)]);
    await pe.completeTask(handle, 'save_call', 'churned');
    expect(await handle.result()).toMatchObject({ status: 'completed', outcome: 'churned' });
    expect(await outcomesOf(account._id)).toEqual(['churn_risk', 'churned']);
  });

  test('churn risk reported, then saved: renewed', async () => {
    const account = await renewing(60, 'yellow');
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'churn_risk');
    await pe.env.sleep('50d');
    await pe.completeTask(handle, 'save_call', 'renewed');
    expect(await handle.result()).toMatchObject({ status: 'completed', outcome: 'renewed' });
    expect(await outcomesOf(account._id)).toEqual(['churn_risk', 'renewed']);
  });

  test('on track but red by the 30-day check: the save motion starts, and with no answer the run ends churn_risk', async () => {
    const account = await renewing(75, 'green', { seatsUsed: 10, seatLimit: 100 });
    const handle = await pe.start(playbook, account);
    await pe.env.sleep('1d');
    await pe.completeTask(handle, 'renewal_prep', 'on_track');
    await pe.env.sleep('20d');
    await pe.setHealth(handle, account, 35, 'red', { score: 75, band: 'green' });
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'churn_risk', goalReached: false });
    const audit = (await pe.run(handle.workflowId))?.audit ?? [];
    expect(audit.find((e) => e.step === 'thirty_day_check')?.detail).toMatchObject({
      branch: 'case 1',
      seen: { health: { band: 'red' }, steps: { renewal_prep: { outcome: 'on_track' } } },
    });
    expect((await pe.tasks(account._id)).map((t) => [t.stepId, t.status])).toEqual([
      ['renewal_prep', 'completed'],
      ['save_call', 'cancelled'],
    ]);
  });
});
