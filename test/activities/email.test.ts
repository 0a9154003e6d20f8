/**
 * The email activity against a real MongoDB-protocol server and a real SMTP server: signed
 * unsubscribe links, suppressions, header safety and exactly-once sending under retries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, test } from 'vitest';
import { useIntegration } from '../harness/index.js';
import { createEmailActivities, type SendEmailResult } from '../../activities/email.js';
import { verifyUnsubscribeToken, signUnsubscribeToken } from '../../activities/unsubscribe-token.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { AccountDoc } from '../../lib/documents.js';
import { parseTemplate, renderEmail } from '../../language/templates.js';
import { defaultThresholds } from '../../language/health-band.js';
import {
  previewAccountDoc,
  previewContext,
  type PreviewAccount,
  type PreviewOptions,
} from '../../cli/preview-context.js';
import { collections } from '../../lib/collections.js';
import { runIdFor } from '../../workflows/contract.js';

const it = useIntegration('email-activity', { smtp: true });
const templatesDir = fileURLToPath(new URL('../../playbooks/templates/', import.meta.url));
const secret = 'test-secret';

function deps(extra: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    db: it.db,
    mailer: it.mailer,
    config: {
      mailFrom: 'Success <success@retain.test>',
      publicUrl: 'https://retain.test',
      unsubscribeSecret: secret,
      templatesDir,
    },
    ...extra,
  };
}

async function account(
  name = 'Acme Logistics',
  email = `dana-${randomUUID().slice(0, 8)}@acme.test`,
): Promise<AccountDoc> {
  const now = new Date();
  const doc: AccountDoc = {
    _id: `acct-${randomUUID()}`,
    name,
    segment: 'tech-touch',
    plan: 'starter',
    mrr: 99,
    csm: '',
    startedAt: now,
    lifecycle: 'adoption',
    attributes: {},
    contacts: [{ name: 'Dana Whitfield', email, role: 'primary' }],
    createdAt: now,
    updatedAt: now,
  };
  await collections(it.db).accounts.insertOne(doc);
  return doc;
}

function step(accountId: string) {
  const firstExecutionRunId = randomUUID();
  return {
    runId: runIdFor(firstExecutionRunId),
    workflowId: `run:low-usage-rescue:${accountId}`,
    firstExecutionRunId,
    stepId: 'tips',
    accountId,
    playbookId: 'low-usage-rescue',
    template: 'low-usage-tips',
    run: { version: 1, startedAt: new Date().toISOString(), daysSinceStart: 0 },
  };
}

describe('the email activity', () => {
  test('delivers the rendered template to the primary contact with a signed List-Unsubscribe link', async () => {
    const acct = await account();
    const input = step(acct._id);
    const result = (await new MockActivityEnvironment().run(
      createEmailActivities(deps()).sendEmail,
      input,
    )) as SendEmailResult;
    expect(result.status).toBe('sent');
    const mail = await it.inbox.waitFor((m) => m.header('x-retain-run') === input.runId);
    expect(mail.envelopeTo).toEqual([acct.contacts[0].email]);
    expect(mail.subject).toContain('Dana');
    const link = /<(https:\/\/retain\.test\/v1\/unsubscribe\?token=[^>]+)>/.exec(
      mail.header('list-unsubscribe') ?? '',
    )?.[1];
    expect(link).toBeDefined();
    const token = decodeURIComponent(new URL(link!).searchParams.get('token')!);
    expect(verifyUnsubscribeToken(secret, token)).toEqual({
      email: acct.contacts[0].email,
      category: 'product-tips',
    });
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });

  test('a retry after SMTP accepted the message does not send it again', async () => {
    const acct = await account();
    const input = step(acct._id);
    const activities = createEmailActivities(
      deps({
        afterSmtpAccepted: ({ attempt }) => {
          if (attempt === 1) throw new Error('worker died right after the hand-over');
        },
      }),
    );
    await expect(
      new MockActivityEnvironment({ attempt: 1 }).run(
        activities.sendEmail,
        input,
      ) as Promise<SendEmailResult>,
    ).rejects.toThrow('hand-over');
    const second = (await new MockActivityEnvironment({ attempt: 2 }).run(
      activities.sendEmail,
      input,
    )) as SendEmailResult;
    expect(second.status).toBe('sent');
    const third = (await new MockActivityEnvironment({ attempt: 3 }).run(
      activities.sendEmail,
      input,
    )) as SendEmailResult;
    expect(third.status).toBe('already_sent');
    await it.inbox.waitFor((m) => m.header('x-retain-run') === input.runId);
    await new Promise((r) => setTimeout(r, 300));
    expect(it.inbox.messages.filter((m) => m.header('x-retain-run') === input.runId)).toHaveLength(1);
  });

  test('an address that unsubscribed from the category is not written to', async () => {
    const acct = await account();
    const email = acct.contacts[0].email;
    await collections(it.db).suppressions.insertOne({
      _id: `${email}:product-tips`,
      email,
      category: 'product-tips',
      createdAt: new Date(),
    });
    const input = step(acct._id);
    const result = (await new MockActivityEnvironment().run(
      createEmailActivities(deps()).sendEmail,
      input,
    )) as SendEmailResult;
    expect(result.status).toBe('suppressed');
    const retried = (await new MockActivityEnvironment({ attempt: 2 }).run(
      createEmailActivities(deps()).sendEmail,
      input,
    )) as SendEmailResult;
    expect(retried.status).toBe('suppressed');
    expect(it.inbox.messages.some((m) => m.header('x-retain-run') === input.runId)).toBe(false);
  });

  test('hostile customer data renders inert and never alters headers', async () => {
    const acct = await account('<script>alert(1)</script>\r\nBcc: victim@evil.test {{csm.email}}');
    const input = step(acct._id);
    await new MockActivityEnvironment().run(createEmailActivities(deps()).sendEmail, input);
    const mail = await it.inbox.waitFor((m) => m.header('x-retain-run') === input.runId);
    expect(mail.envelopeTo).toEqual([acct.contacts[0].email]);
    expect(mail.header('bcc')).toBeUndefined();
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
  });

  test('an unknown template fails the step without retrying', async () => {
    const acct = await account();
    const input = { ...step(acct._id), template: 'no-such-template' };
    await expect(
      new MockActivityEnvironment().run(
        createEmailActivities(deps()).sendEmail,
        input,
      ) as Promise<SendEmailResult>,
    ).rejects.toMatchObject({ type: 'UnknownTemplate', nonRetryable: true });
  });

  test('a template that reads an attribute the account lacks fails the step without retrying', async () => {
    const acct = await account();
    const input = { ...step(acct._id), template: 'upsell-proposal' };
    await expect(
      new MockActivityEnvironment().run(
        createEmailActivities(deps()).sendEmail,
        input,
      ) as Promise<SendEmailResult>,
    ).rejects.toMatchObject({
      type: 'TemplateRenderError',
      nonRetryable: true,
      message: expect.stringContaining('seatsUsed'),
    });
    expect(it.inbox.messages.some((m) => m.header('x-retain-run') === input.runId)).toBe(false);
  });

  test('sends what `retain preview` shows for the same account', async () => {
    const sample: PreviewAccount = JSON.parse(
      readFileSync(new URL('../../playbooks/examples/account.json', import.meta.url), 'utf8'),
    );
    const file = { ...sample, id: `acct-${randomUUID()}`, health: { score: 82 } };
    const now = new Date();
    const options: PreviewOptions = { playbookId: 'renewal-upsell', now, thresholds: defaultThresholds };
    await collections(it.db).accounts.insertOne(previewAccountDoc(file, options));
    const input = {
      ...step(file.id),
      playbookId: 'renewal-upsell',
      stepId: 'upsell_proposal',
      template: 'upsell-proposal',
      run: { version: 1, startedAt: now.toISOString(), daysSinceStart: 0 },
    };
    await new MockActivityEnvironment().run(createEmailActivities(deps()).sendEmail, input);
    const mail = await it.inbox.waitFor((m) => m.header('x-retain-run') === input.runId);

    const parsed = parseTemplate(
      'upsell-proposal',
      readFileSync(`${templatesDir}/upsell-proposal.hbs`, 'utf8'),
    );
    if (!parsed.ok) throw new Error('upsell-proposal does not parse');
    const contact = file.contacts[0];
    const link = `https://retain.test/v1/unsubscribe?token=${encodeURIComponent(
      signUnsubscribeToken(secret, { email: contact.email, category: 'renewal' }),
    )}`;
    const preview = renderEmail(parsed.template, {
      ...previewContext(file, contact, options),
      unsubscribeUrl: link,
    });
    expect(mail.subject).toBe(preview.subject);
    expect(mail.text.trim()).toBe(preview.text.trim());
    expect(mail.html.trim()).toBe(preview.html.trim());
    // Maya Patel, from the owner's address as the worker names a CSM without a user record.
    expect(preview.text).toContain('Maya Patel');
  });

  test('a tampered unsubscribe token is refused', () => {
    const token = signUnsubscribeToken(secret, { email: 'a@b.test', category: 'renewal' });
    const [payload, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify(['victim@b.test', 'renewal'])).toString('base64url')}.${sig}`;
    expect(verifyUnsubscribeToken(secret, forged)).toBeNull();
    expect(verifyUnsubscribeToken('other-secret', token)).toBeNull();
    expect(verifyUnsubscribeToken(secret, `${payload}.${sig}`)).toEqual({
      email: 'a@b.test',
      category: 'renewal',
    });
  });
});
