/**
 * Task titles and notify messages through the activities, against a real MongoDB-protocol
 * server and SMTP: they render with the same context and helpers the validator checked them
 * against, and a text that cannot be rendered fails the step instead of being retried.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, test } from 'vitest';
import { useIntegration } from '../harness/index.js';
import { createTaskActivities } from '../../activities/tasks.js';
import { createNotifyActivities } from '../../activities/notify.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { AccountDoc } from '../../lib/documents.js';
import { taskIdFor } from '../../lib/ids.js';
import { runIdFor } from '../../workflows/contract.js';
import type { TaskStep } from '../../language/schema.js';
import { validatePlaybook } from '../../language/validate.js';
import { testTemplates } from '../language/fixtures.js';
import { collections } from '../../lib/collections.js';

const it = useIntegration('inline-text', { smtp: true });
const templatesDir = fileURLToPath(new URL('../../playbooks/templates/', import.meta.url));

function deps(): ActivityDeps {
  return {
    db: it.db,
    mailer: it.mailer,
    config: {
      mailFrom: 'Success <success@retain.test>',
      publicUrl: 'https://retain.test',
      unsubscribeSecret: 'test-secret',
      templatesDir,
    },
  };
}

/** An account owned by a CSM who is a user, with a primary contact who is not the first. */
async function account(attributes: AccountDoc['attributes'] = {}): Promise<AccountDoc> {
  const now = new Date();
  const csmId = `csm-${randomUUID().slice(0, 8)}`;
  await collections(it.db).users.insertOne({
    _id: csmId,
    email: `${csmId}@retain.test`,
    name: 'Maya Patel',
    role: 'csm',
    tokenHash: 'x',
    createdAt: now,
  });
  const doc: AccountDoc = {
    _id: `acct-${randomUUID()}`,
    name: 'Acme Logistics',
    segment: 'low-touch',
    plan: 'Growth',
    mrr: 1250.5,
    csm: csmId,
    startedAt: now,
    lifecycle: 'adoption',
    attributes,
    contacts: [
      { name: 'Tom Becker', email: 'tom@acme.test', role: 'admin' },
      { name: 'Dana Whitfield', email: 'dana@acme.test', role: 'primary' },
    ],
    createdAt: now,
    updatedAt: now,
  };
  await collections(it.db).accounts.insertOne(doc);
  return doc;
}

/** The task step of a one-step playbook, as the validator hands it to the workflow. */
function validatedTask(title: string): TaskStep['task'] {
  const source = `id: rescue\nname: Rescue\ntrigger: { on: manual }\nsteps:\n  - id: call\n    task: { title: "${title}", due: 2d }\n`;
  const { playbook, diagnostics } = validatePlaybook(source, {
    file: 'rescue.yaml',
    templates: testTemplates,
  });
  expect(diagnostics).toEqual([]);
  return (playbook!.steps[0] as TaskStep).task;
}

function ref(accountId: string) {
  const firstExecutionRunId = randomUUID();
  return {
    runId: runIdFor(firstExecutionRunId),
    workflowId: `run:rescue:${accountId}`,
    firstExecutionRunId,
    stepId: 'call',
    accountId,
    playbookId: 'rescue',
    run: { version: 1, startedAt: new Date().toISOString(), daysSinceStart: 0 },
  };
}

describe('inline texts through the activities', () => {
  test('a task title with {{money account.mrr}} and {{csm.name}} validates and renders', async () => {
    const acct = await account();
    const task = validatedTask(
      'Call {{contact.name}} at {{account.name}} ({{money account.mrr}}), {{csm.name}}',
    );
    const input = { ...ref(acct._id), task, dueAt: new Date().toISOString() };
    const created = (await new MockActivityEnvironment().run(
      createTaskActivities(deps()).createTask,
      input,
    )) as {
      title: string;
    };
    const expected = 'Call Dana Whitfield at Acme Logistics ($1,250.50), Maya Patel';
    expect(created.title).toBe(expected);
    const stored = await collections(it.db).tasks.findOne({ _id: taskIdFor(input.runId, 'call') });
    expect(stored?.title).toBe(expected);
  });

  test('a task title a helper cannot render fails without retrying and creates no task', async () => {
    const acct = await account({ tier: 'gold' });
    const task = validatedTask('Review {{money account.attributes.tier}}');
    const input = { ...ref(acct._id), task, dueAt: new Date().toISOString() };
    await expect(
      new MockActivityEnvironment().run(createTaskActivities(deps()).createTask, input) as Promise<unknown>,
    ).rejects.toMatchObject({
      type: 'TemplateRenderError',
      nonRetryable: true,
      message: expect.stringContaining('money: "gold" is not an amount'),
    });
    expect(await collections(it.db).tasks.findOne({ _id: taskIdFor(input.runId, 'call') })).toBeNull();
  });

  test('a notify message renders with the helpers for the CSM', async () => {
    const acct = await account();
    const input = {
      ...ref(acct._id),
      stepId: 'tell_csm',
      to: 'csm' as const,
      message: '{{firstName csm.name}}: {{account.name}} ({{money account.mrr}}) needs a look.',
    };
    await new MockActivityEnvironment().run(createNotifyActivities(deps()).notify, input);
    const mail = await it.inbox.waitFor((m) => m.envelopeTo.includes(`${acct.csm}@retain.test`));
    expect(mail.text.trim()).toBe('Maya: Acme Logistics ($1,250.50) needs a look.');
  });
});
