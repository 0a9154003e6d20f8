/**
 * The notify step: an internal alert to the account's CSM (email, outbox-keyed like customer
 * email) or a JSON POST to the configured webhook, which Temporal retries with backoff until
 * it answers 2xx. The webhook gets an Idempotency-Key so a retried POST can be recognised.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { collections } from '../lib/collections.js';
import { internalContext, type RunInfo } from '../language/context.js';
import { headerSafe } from '../language/templates.js';
import type { ActivityDeps, StepRef } from './deps.js';
import { loadAccount, loadCsm } from './recipients.js';
import { renderEmailForStep, renderTextForStep } from './render.js';
import { loadTemplate } from './template-store.js';
import { messageIdFor } from './email.js';
import { stepRecordId } from '../lib/ids.js';

export interface NotifyInput extends StepRef {
  to: 'csm' | 'webhook';
  template?: string;
  message?: string;
  run: Omit<RunInfo, 'runId' | 'playbookId'>;
}

function runOf(input: NotifyInput): RunInfo {
  return { ...input.run, runId: input.runId, playbookId: input.playbookId };
}

export function createNotifyActivities(deps: ActivityDeps) {
  const outbox = collections(deps.db).emails;

  async function notifyCsm(input: NotifyInput): Promise<{ status: 'sent' | 'already_sent'; to: string }> {
    const _id = stepRecordId('email', input.runId, input.stepId);
    const prior = await outbox.findOne({ _id });
    if (prior && prior.status === 'sent') return { status: 'already_sent', to: prior.to[0] ?? '' };
    const account = await loadAccount(deps.db, input.accountId);
    const csm = await loadCsm(deps.db, account);
    if (!csm.email)
      throw ApplicationFailure.nonRetryable(`Account "${account._id}" has no CSM to notify.`, 'NoCsm');
    const ctx = internalContext(account, csm, runOf(input), new Date());
    let subject: string;
    let text: string;
    let html: string | undefined;
    if (input.template) {
      const template = await loadTemplate(deps.config.templatesDir, input.template);
      ({ subject, text, html } = renderEmailForStep(template, ctx));
    } else {
      text = renderTextForStep(input.message ?? '', ctx, 'Notify message');
      subject = headerSafe(`[Retain] ${account.name}: ${input.playbookId}`);
    }
    await outbox.updateOne(
      { _id },
      {
        $setOnInsert: {
          runId: input.runId,
          stepId: input.stepId,
          accountId: input.accountId,
          template: input.template ?? '',
          category: 'internal',
          to: [csm.email],
          subject,
          status: 'pending',
          createdAt: new Date(),
        },
      },
      { upsert: true },
    );
    const info = await deps.mailer.sendMail({
      from: deps.config.mailFrom,
      to: csm.email,
      subject,
      text,
      html,
      messageId: messageIdFor(input, csm.email),
    });
    await outbox.updateOne(
      { _id },
      { $set: { status: 'sent', sentAt: new Date(), messageId: info.messageId } },
    );
    await deps.afterSmtpAccepted?.({
      runId: input.runId,
      stepId: input.stepId,
      attempt: Context.current().info.attempt,
    });
    return { status: 'sent', to: csm.email };
  }

  async function notifyWebhook(input: NotifyInput): Promise<{ status: 'posted'; to: string }> {
    const url = deps.config.webhookUrl;
    if (!url)
      throw ApplicationFailure.nonRetryable(
        'No WEBHOOK_URL is configured for notify steps with to: webhook.',
        'NoWebhookConfigured',
      );
    const account = await loadAccount(deps.db, input.accountId);
    const csm = await loadCsm(deps.db, account);
    const ctx = internalContext(account, csm, runOf(input), new Date());
    const body = {
      event: 'playbook.notify',
      runId: input.runId,
      stepId: input.stepId,
      accountId: input.accountId,
      playbookId: input.playbookId,
      message: renderTextForStep(input.message ?? '', ctx, 'Notify message'),
      account: { id: account._id, name: account.name },
      attempt: Context.current().info.attempt,
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `${input.runId}:${input.stepId}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      // A 4xx (other than timeout and rate limit) refuses this request as such: retrying would
      // only repeat the refusal, so the step fails visibly instead.
      if (
        response.status >= 400 &&
        response.status < 500 &&
        response.status !== 408 &&
        response.status !== 429
      ) {
        throw ApplicationFailure.nonRetryable(
          `Webhook refused the notification with HTTP ${response.status}.`,
          'WebhookRejected',
        );
      }
      throw new Error(`Webhook answered ${response.status}; Temporal retries with backoff.`);
    }
    return { status: 'posted', to: new URL(url).host };
  }

  return {
    async notify(input: NotifyInput): Promise<{ status: 'sent' | 'already_sent' | 'posted'; to: string }> {
      return input.to === 'webhook' ? notifyWebhook(input) : notifyCsm(input);
    },
  };
}
