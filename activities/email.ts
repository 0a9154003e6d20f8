/**
 * The email step: render, honour unsubscribes, send once. The outbox row (one per run and step,
 * lib/ids.ts) is written before sending and records each recipient SMTP accepted, so a retried
 * activity — even one that died right after the hand-over — never sends the same step twice.
 */
import { Context } from '@temporalio/activity';
import { collections } from '../lib/collections.js';
import { templateContext, type RunInfo } from '../language/context.js';
import type { ActivityDeps, StepRef } from './deps.js';
import { loadAccount, loadCsm, resolveRecipients } from './recipients.js';
import { renderEmailForStep } from './render.js';
import { loadTemplate } from './template-store.js';
import { signUnsubscribeToken, unsubscribeUrl } from './unsubscribe-token.js';
import { stepRecordId } from '../lib/ids.js';
import { insertIfAbsent, isDatabaseUnavailable } from '../lib/mongo.js';

export interface SendEmailInput extends StepRef {
  template: string;
  to?: string;
  run: Omit<RunInfo, 'runId' | 'playbookId'>;
}

export interface SendEmailResult {
  status: 'sent' | 'suppressed' | 'already_sent' | 'no_recipient';
  to: string[];
  subject: string;
}

/** Stable per run, step and recipient: a duplicate that slipped through is recognisable. */
export function messageIdFor(ref: { runId: string; stepId: string }, email: string): string {
  const local = Buffer.from(`${ref.runId}:${ref.stepId}:${email}`).toString('base64url').slice(0, 120);
  return `<${local}@retain>`;
}

export async function isSuppressed(deps: ActivityDeps, email: string, category: string): Promise<boolean> {
  if (category === 'internal') return false;
  const address = email.toLowerCase();
  const hit = await collections(deps.db).suppressions.findOne({
    _id: { $in: [`${address}:${category}`, `${address}:*`] },
  });
  return hit !== null;
}

export function createEmailActivities(deps: ActivityDeps) {
  const { emails: outbox, emailDeliveries: deliveries } = collections(deps.db);

  return {
    async sendEmail(input: SendEmailInput): Promise<SendEmailResult> {
      const _id = stepRecordId('email', input.runId, input.stepId);
      const prior = await outbox.findOne({ _id });
      // A retry after the step was settled reports what happened then, not a fresh send.
      if (prior?.status === 'suppressed') return { status: 'suppressed', to: [], subject: prior.subject };
      if (prior && prior.status !== 'pending')
        return { status: 'already_sent', to: prior.sentTo ?? prior.to, subject: prior.subject };

      const template = await loadTemplate(deps.config.templatesDir, input.template);
      const account = await loadAccount(deps.db, input.accountId);
      const csm = await loadCsm(deps.db, account);
      const contacts = resolveRecipients(account, input.to);
      if (contacts.length === 0) return { status: 'no_recipient', to: [], subject: '' };
      const now = new Date();
      const run: RunInfo = { ...input.run, runId: input.runId, playbookId: input.playbookId };

      const allowed = [];
      for (const contact of contacts)
        if (!(await isSuppressed(deps, contact.email, template.category))) allowed.push(contact);
      const rendered = contacts.map((contact) => {
        const link = unsubscribeUrl(
          deps.config.publicUrl,
          signUnsubscribeToken(deps.config.unsubscribeSecret, {
            email: contact.email,
            category: template.category,
          }),
        );
        return {
          contact,
          link,
          message: renderEmailForStep(template, {
            ...templateContext(account, contact, csm, run, now),
            unsubscribeUrl: link,
          }),
        };
      });
      const subject = rendered[0].message.subject;
      await insertIfAbsent(outbox, {
        _id,
        runId: input.runId,
        stepId: input.stepId,
        accountId: input.accountId,
        template: input.template,
        category: template.category,
        to: contacts.map((c) => c.email),
        subject,
        status: 'pending',
        sentTo: [],
        createdAt: now,
      });
      if (allowed.length === 0) {
        await outbox.updateOne({ _id }, { $set: { status: 'suppressed' } });
        return { status: 'suppressed', to: [], subject };
      }

      // Each recipient's delivery is its own document, inserted the moment SMTP accepted the
      // message: an insert is quick where an update is not (FerretDB scans for updates), which
      // keeps the window in which a crash makes a retry send twice as short as it can be.
      const deliveryId = (email: string) => `${_id}|${email}`;
      const recorded = await Promise.all(
        rendered.map(async ({ contact }) =>
          (await deliveries.findOne({ _id: deliveryId(contact.email) })) ? contact.email : null,
        ),
      );
      const already = new Set([
        ...((await outbox.findOne({ _id }))?.sentTo ?? []),
        ...recorded.filter((e): e is string => e !== null),
      ]);
      const attempt = Context.current().info.attempt;
      let messageId: string | undefined;
      for (const { contact, link, message } of rendered) {
        if (!allowed.includes(contact) || already.has(contact.email)) continue;
        const unsubscribe = template.category === 'internal' ? undefined : link;
        const info = await deps.mailer.sendMail({
          from: deps.config.mailFrom,
          to: { name: contact.name, address: contact.email },
          subject: message.subject,
          text: message.text,
          html: message.html,
          messageId: messageIdFor(input, contact.email),
          headers: {
            'X-Retain-Run': input.runId,
            'X-Retain-Step': input.stepId,
            ...(unsubscribe
              ? {
                  'List-Unsubscribe': `<${unsubscribe}>`,
                  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                }
              : {}),
          },
        });
        // SMTP has the message: failing now would make the retry send it again, so a database
        // that is away (restarting) is waited for, within the activity's own time.
        await untilRecorded(() =>
          insertIfAbsent(deliveries, {
            _id: deliveryId(contact.email),
            emailId: _id,
            to: contact.email,
            messageId: info.messageId,
            at: new Date(),
          }),
        );
        already.add(contact.email);
        messageId = info.messageId;
        await deps.afterSmtpAccepted?.({ runId: input.runId, stepId: input.stepId, attempt });
      }
      const sentTo = rendered.map((r) => r.contact.email).filter((e) => already.has(e));
      await outbox.updateOne(
        { _id },
        { $set: { status: 'sent', sentAt: new Date(), sentTo, ...(messageId ? { messageId } : {}) } },
      );
      return { status: 'sent', to: allowed.map((c) => c.email), subject };
    },
  };
}

/** Retries a write while the database is unavailable, for up to a minute (the activity has two). */
async function untilRecorded(write: () => Promise<unknown>): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      await write();
      return;
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
