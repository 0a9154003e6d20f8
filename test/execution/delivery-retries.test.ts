/**
 * Deliveries under Temporal's real retries: the worker "dies" right after SMTP accepted a
 * message (a test-only hook throws on the first attempt), Temporal retries the activity, and
 * every recipient still gets the step's message exactly once; a webhook that is down is
 * retried with backoff. Failures retrying cannot fix fail the step at once, visibly, and the
 * playbook goes on.
 */
import { describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import { runIdFor } from '../../workflows/contract.js';
import { usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const attempts: Array<{ stepId: string; attempt: number }> = [];
const pe = usePlaybookEnv('delivery-retries', {
  afterSmtpAccepted: ({ stepId, attempt }) => {
    attempts.push({ stepId, attempt });
    if (attempt === 1) throw new Error('worker lost right after the SMTP hand-over');
  },
});

const playbook = (steps: Playbook['steps']): Playbook => ({
  id: 'retry-check',
  name: 'Retry check',
  trigger: { on: 'manual' },
  steps,
});

describe('email steps under retries', () => {
  test('a step whose activity died after the hand-over is retried and reaches each recipient once', async () => {
    const account = await pe.account({
      contacts: [
        { name: 'Dana Whitfield', email: `dana-${Date.now()}@acme.test`, role: 'primary' },
        { name: 'Lee Okafor', email: `lee-${Date.now()}@acme.test`, role: 'admin' },
      ],
    });
    const handle = await pe.start(
      playbook([
        { id: 'setup', email: { template: 'onboarding-setup-guide', to: 'all' } },
        { id: 'tell_csm', notify: { to: 'csm', message: 'Setup guide sent to {{account.name}}.' } },
      ]),
      account,
    );
    expect(await handle.result()).toMatchObject({ status: 'completed' });

    // Attempt 1 handed Dana's message over and died; attempt 2 sent only Lee's.
    expect(attempts.filter((a) => a.stepId === 'setup').map((a) => a.attempt)).toEqual([1, 2]);
    // The CSM's notice had one recipient: attempt 1 sent it and died, attempt 2 found it sent.
    expect(attempts.filter((a) => a.stepId === 'tell_csm').map((a) => a.attempt)).toEqual([1]);
    const deliveries = pe.it.inbox.messages.filter(
      (m) => m.header('x-retain-run') === runIdFor(handle.firstExecutionRunId),
    );
    expect(deliveries.map((m) => m.envelopeTo).sort()).toEqual(
      [[account.contacts[0].email], [account.contacts[1].email]].sort(),
    );
    expect(pe.mailTo('maya@retain.test').filter((s) => s.includes(account.name))).toHaveLength(1);

    const outbox = await collections(pe.it.db)
      .emails.find({ accountId: account._id })
      .sort({ createdAt: 1 })
      .toArray();
    expect(outbox.map((e) => [e.stepId, e.status])).toEqual([
      ['setup', 'sent'],
      ['tell_csm', 'sent'],
    ]);
    const audit = (await pe.run(handle.workflowId))?.audit ?? [];
    expect(audit.filter((e) => e.step === 'setup').map((e) => e.event)).toEqual(['sent']);
    expect(audit.filter((e) => e.step === 'tell_csm').map((e) => e.event)).toEqual(['already_sent']);
  });

  test('a template removed after publishing fails its step at once, and the run goes on', async () => {
    const account = await pe.account();
    const handle = await pe.start(
      playbook([
        { id: 'gone', email: { template: 'retired-template', to: 'primary' } },
        { outcome: 'went_on' },
      ]),
      account,
    );
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'went_on', goalReached: false });
    const failed = (await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'gone');
    expect(failed).toMatchObject({
      event: 'failed',
      detail: { type: 'UnknownTemplate', error: expect.stringContaining('retired-template') },
    });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(0);
  });

  test('a contact with an invalid address fails its step without retrying', async () => {
    const account = await pe.account({
      contacts: [{ name: 'Typo', email: 'dana at acme', role: 'primary' }],
    });
    const handle = await pe.start(
      playbook([{ id: 'welcome', email: { template: 'onboarding-welcome' } }]),
      account,
    );
    await handle.result();
    const failed = (await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'welcome');
    expect(failed).toMatchObject({ event: 'failed', detail: { type: 'InvalidAddress' } });
    const history = await handle.fetchHistory();
    const scheduled = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendEmail',
    );
    const started = history.events!.filter(
      (e) =>
        e.activityTaskStartedEventAttributes &&
        scheduled.some(
          (s) => s.eventId?.toString() === e.activityTaskStartedEventAttributes!.scheduledEventId?.toString(),
        ),
    );
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  });
});

describe('webhook notifications under retries', () => {
  const notifyStep = (message: string): Playbook['steps'] => [
    { id: 'alert', notify: { to: 'webhook', message } },
    { outcome: 'went_on' },
  ];

  test('a webhook that is down is retried until it answers, with the same idempotency key', async () => {
    const account = await pe.account();
    pe.webhookAnswers.push(503, 503);
    const handle = await pe.start(playbook(notifyStep('{{account.name}} needs a look.')), account);
    expect(await handle.result()).toMatchObject({ status: 'completed', outcome: 'went_on' });
    const calls = pe.webhookCalls.filter((c) => c.accountId === account._id);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(calls[2]).toMatchObject({ event: 'playbook.notify', message: `${account.name} needs a look.` });
    expect((await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'alert')?.event).toBe('posted');
  });

  test('a webhook that refuses the request (4xx) fails the step without retrying', async () => {
    const account = await pe.account();
    pe.webhookAnswers.push(410);
    const handle = await pe.start(playbook(notifyStep('Gone?')), account);
    expect(await handle.result()).toMatchObject({ outcome: 'went_on' });
    expect(pe.webhookCalls.filter((c) => c.accountId === account._id)).toHaveLength(1);
    expect((await pe.run(handle.workflowId))?.audit.find((e) => e.step === 'alert')).toMatchObject({
      event: 'failed',
      detail: { type: 'WebhookRejected' },
    });
  });
});
