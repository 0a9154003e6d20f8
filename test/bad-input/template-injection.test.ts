/**
 * Template injection: customer data (account name, plan, contact name) carrying HTML,
 * Handlebars syntax and header-injection attempts, sent through the real email activity to a
 * real SMTP server. The low-usage-tips template puts the contact's name and the plan in the
 * subject and the account name in the body, so every field reaches a header or the HTML.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, test } from 'vitest';
import { createEmailActivities } from '../../activities/email.js';
import type { AccountDoc } from '../../lib/documents.js';
import { runIdFor } from '../../workflows/contract.js';
import { useIntegration } from '../harness/index.js';
import { collections } from '../../lib/collections.js';

const it = useIntegration('template_injection', { smtp: true });
const templatesDir = fileURLToPath(new URL('../../playbooks/templates/', import.meta.url));

const hostile = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{csm.email}}',
  "{{constructor.constructor 'return process'}}",
  '{{#each this}}{{@key}}{{/each}}',
  '{{> partial}}',
  '{{{account.name}}}',
  'Acme\r\nBcc: victim@evil.test',
  'Acme\nCc: victim@evil.test',
  'Acme\r\n\r\n<h1>forged body</h1>',
  '=?utf-8?q?=0D=0ABcc:_victim@evil.test?=',
  'Acme\u2028Bcc: victim@evil.test',
  'Acme\u0085Bcc: victim@evil.test',
  'Acme\tX-Injected: yes',
];
const fields = ['account.name', 'account.plan', 'contact.name'] as const;

async function send(field: (typeof fields)[number], value: string) {
  const now = new Date();
  const email = `dana-${randomUUID().slice(0, 8)}@acme.test`;
  const doc: AccountDoc = {
    _id: `inj-${randomUUID()}`,
    name: field === 'account.name' ? value : 'Acme',
    plan: field === 'account.plan' ? value : 'starter',
    segment: 'tech-touch',
    mrr: 99,
    csm: '',
    startedAt: now,
    lifecycle: 'adoption',
    attributes: {},
    contacts: [{ name: field === 'contact.name' ? value : 'Dana Whitfield', email, role: 'primary' }],
    createdAt: now,
    updatedAt: now,
  };
  await collections(it.db).accounts.insertOne(doc);
  const firstExecutionRunId = randomUUID();
  const runId = runIdFor(firstExecutionRunId);
  const activities = createEmailActivities({
    db: it.db,
    mailer: it.mailer,
    config: {
      mailFrom: 'Success <success@retain.test>',
      publicUrl: 'https://retain.test',
      unsubscribeSecret: 's',
      templatesDir,
    },
  });
  await new MockActivityEnvironment().run(activities.sendEmail, {
    runId,
    workflowId: `run:inj:${doc._id}`,
    firstExecutionRunId,
    stepId: 'tips',
    accountId: doc._id,
    playbookId: 'low-usage-rescue',
    template: 'low-usage-tips',
    run: { version: 1, startedAt: now.toISOString(), daysSinceStart: 0 },
  });
  return { email, mail: await it.inbox.waitFor((m) => m.header('x-retain-run') === runId) };
}

describe('hostile customer data in emails', () => {
  test(`${hostile.length} payloads × ${fields.length} fields render inert and never alter headers`, async () => {
    let checked = 0;
    for (const field of fields) {
      for (const value of hostile) {
        const { email, mail } = await send(field, value);
        const label = `${field} = ${JSON.stringify(value)}`;
        expect(mail.envelopeTo, label).toEqual([email]);
        const head = mail.raw.toString('latin1').split('\r\n\r\n')[0];
        const names = head
          .split('\r\n')
          .filter((l) => /^\S/.test(l))
          .map((l) => l.split(':')[0].toLowerCase());
        expect(
          names.filter((n) => n === 'subject'),
          label,
        ).toHaveLength(1);
        expect(
          names.filter((n) => ['bcc', 'cc', 'x-injected'].includes(n)),
          label,
        ).toEqual([]);
        expect(mail.subject, label).not.toMatch(/[\r\n\u2028\u0085]/);
        expect(mail.header('to'), label).toContain(email);
        expect(mail.html, label).not.toMatch(/<script|<img|<h1>forged/i);
        // Handlebars in data is text: never evaluated (no CSM email, no key listing, no process).
        expect(mail.html + mail.subject, label).not.toMatch(/function\s*\w*\(|\[object /);
        if (value.startsWith('{{')) expect(mail.html + mail.subject, label).toContain('{{'); // shown as typed
        checked++;
      }
    }
    console.log(`[bad-input] template injection: ${checked} emails, 0 altered headers, 0 live markup`);
  }, 120_000);
});
