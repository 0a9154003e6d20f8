/**
 * The shipped low-usage-rescue playbook end to end on the time-skipping test server, with the
 * real activities writing to the real database and sending through a real SMTP server: the
 * tech-touch path when health stays red (45 days in seconds) and when it recovers, and a
 * control (holdout) run that takes no action but still observes the goal.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { FileTemplateCatalog } from '../../catalog/template-catalog.js';
import { validatePlaybook } from '../../language/validate.js';
import type { Playbook } from '../../language/schema.js';
import type { AccountDoc, RunDoc, TaskDoc } from '../../lib/documents.js';
import { createTimeSkippingEnvironment } from '../../lib/stack.js';
import { healthChanged, runWorkflowId, type RunInput } from '../../workflows/contract.js';
import { temporal } from '@temporalio/proto';
import { useIntegration, workflowBundle } from '../harness/index.js';

const it = useIntegration('rescue-e2e', { smtp: true });
const root = new URL('../../', import.meta.url);
const templatesDir = fileURLToPath(new URL('playbooks/templates/', root));
const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));
const taskQueue = 'rescue-e2e';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let webhook: Server;
const webhookCalls: Array<Record<string, unknown>> = [];
let playbook: Playbook;

beforeAll(async () => {
  const { playbook: parsed, diagnostics } = validatePlaybook(readFileSync(new URL('playbooks/low-usage-rescue.yaml', root), 'utf8'), { file: 'low-usage-rescue.yaml', templates: new FileTemplateCatalog(templatesDir) });
  expect(diagnostics).toEqual([]);
  playbook = parsed!;
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      webhookCalls.push({ ...JSON.parse(body), idempotencyKey: req.headers['idempotency-key'] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  env = await createTimeSkippingEnvironment();
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(fileURLToPath(new URL('workflows/index.ts', root))),
    activities: createActivities({
      db: it.db,
      mailer: it.mailer,
      config: { mailFrom: 'Success <success@retain.test>', publicUrl: 'https://retain.test', unsubscribeSecret: 's', templatesDir, webhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook` },
    }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await new Promise((r) => webhook?.close(r));
});

async function techTouchAccount(): Promise<AccountDoc> {
  const now = new Date();
  const id = `tt-${randomUUID().slice(0, 8)}`;
  const doc: AccountDoc = {
    _id: id, name: `Pixel Bakery ${id}`, segment: 'tech-touch', plan: 'starter', mrr: 99, csm: '', startedAt: new Date('2025-06-01T00:00:00Z'),
    lifecycle: 'adoption', attributes: {}, contacts: [{ name: 'Sam Okafor', email: `sam-${id}@pixel.test`, role: 'primary' }],
    health: { score: 30, band: 'red', observedAt: now }, createdAt: now, updatedAt: now,
  };
  await it.db.collection<AccountDoc>('accounts').insertOne(doc);
  return doc;
}

function input(account: AccountDoc, control = false): RunInput {
  return {
    accountId: account._id, playbookId: 'low-usage-rescue', playbookVersion: 1, playbook, control,
    trigger: { on: 'health.changed', at: new Date().toISOString(), seen: { health: { score: 30, band: 'red' }, previous: { score: 75, band: 'green' } } },
  };
}

const mailTo = (account: AccountDoc) => it.inbox.messages.filter((m) => m.envelopeTo.includes(account.contacts[0].email));

function recordHistory(name: string, history: temporal.api.history.v1.IHistory) {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(historiesDir, { recursive: true });
  // Binary protobuf: the exact history, independent of JSON conventions of SDK versions.
  writeFileSync(`${historiesDir}${name}.binpb`, temporal.api.history.v1.History.encode(history).finish());
}

describe('low-usage-rescue, tech-touch', () => {
  test('health stays red: tips, a check-in after a week, an alert after two more, then rescue_failed at 45 days', async () => {
    const account = await techTouchAccount();
    const handle = await env.client.workflow.start('playbookRun', { taskQueue, workflowId: runWorkflowId('low-usage-rescue', account._id), args: [input(account)] });
    const result = await handle.result();
    expect(result).toEqual({ status: 'completed', outcome: 'rescue_failed', goalReached: false });
    const subjects = mailTo(account).map((m) => m.subject);
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toMatch(/a faster way to get value/);
    expect(webhookCalls.filter((c) => c.accountId === account._id)).toEqual([expect.objectContaining({ event: 'playbook.notify', message: expect.stringContaining('still red two weeks') })]);
    const run = await it.db.collection<RunDoc>('runs').findOne({ workflowId: handle.workflowId });
    expect(run).toMatchObject({ status: 'completed', outcome: 'rescue_failed', goalReached: false, control: false });
    expect(run?.audit.find((e) => e.step === 'by_segment')?.detail).toMatchObject({ branch: 'default', seen: { account: { segment: 'tech-touch' } } });
    expect(run?.audit.find((e) => e.step === 'still_red')?.detail).toMatchObject({ branch: 'then', seen: { health: { band: 'red' } } });
    recordHistory('low-usage-rescue-tech-touch-stays-red', await handle.fetchHistory());
  });

  test('health recovers on day 3: the goal ends the run at once, rescued, with no further email', async () => {
    const account = await techTouchAccount();
    const handle = await env.client.workflow.start('playbookRun', { taskQueue, workflowId: runWorkflowId('low-usage-rescue', account._id), args: [input(account)] });
    await env.sleep('3d');
    const observedAt = new Date();
    await it.db.collection<AccountDoc>('accounts').updateOne({ _id: account._id }, { $set: { health: { score: 78, band: 'green', observedAt } } });
    await handle.signal(healthChanged, { health: { score: 78, band: 'green' }, previous: { score: 30, band: 'red' }, observedAt: observedAt.toISOString() });
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'rescued', goalReached: true });
    expect(mailTo(account).map((m) => m.subject)).toHaveLength(1);
    const run = await it.db.collection<RunDoc>('runs').findOne({ workflowId: handle.workflowId });
    expect(run?.audit.some((e) => e.kind === 'goal' && e.event === 'reached')).toBe(true);
    recordHistory('low-usage-rescue-tech-touch-recovers', await handle.fetchHistory());
  });

  test('a control run sends nothing and creates no task, but records that the goal was reached', async () => {
    const account = await techTouchAccount();
    const handle = await env.client.workflow.start('playbookRun', { taskQueue, workflowId: runWorkflowId('low-usage-rescue', account._id), args: [input(account, true)] });
    await env.sleep('10d');
    const observedAt = new Date();
    await it.db.collection<AccountDoc>('accounts').updateOne({ _id: account._id }, { $set: { health: { score: 72, band: 'green', observedAt } } });
    await handle.signal(healthChanged, { health: { score: 72, band: 'green' }, previous: { score: 30, band: 'red' }, observedAt: observedAt.toISOString() });
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'rescued', goalReached: true });
    expect(mailTo(account)).toHaveLength(0);
    expect(await it.db.collection<TaskDoc>('tasks').countDocuments({ accountId: account._id })).toBe(0);
    expect(await it.db.collection<RunDoc>('runs').findOne({ workflowId: handle.workflowId })).toMatchObject({ control: true, goalReached: true });
    recordHistory('low-usage-rescue-control', await handle.fetchHistory());
  });
});
