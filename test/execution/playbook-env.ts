/**
 * A test file's playbook runtime: the time-skipping server, a worker with the real workflows
 * and activities on the file's real database and SMTP capture, a local webhook receiver, and
 * the shipped playbooks loaded through the real validator.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { FileTemplateCatalog } from '../../catalog/template-files.js';
import { validatePlaybook } from '../../language/validate.js';
import type { Playbook } from '../../language/schema.js';
import type { AccountDoc, RunDoc, TaskDoc } from '../../lib/documents.js';
import { createTimeSkippingEnvironment } from '../../lib/stack.js';
import { healthChanged, runWorkflowId, taskCompleted, type RunInput } from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import { readRun, useIntegration, workflowBundle, type Integration } from '../harness/index.js';
import { collections } from '../../lib/collections.js';

const root = new URL('../../', import.meta.url);
export const templatesDir = fileURLToPath(new URL('playbooks/templates/', root));

export function loadShippedPlaybook(id: string): Playbook {
  const { playbook, diagnostics } = validatePlaybook(
    readFileSync(new URL(`playbooks/${id}.yaml`, root), 'utf8'),
    { file: `${id}.yaml`, templates: new FileTemplateCatalog(templatesDir) },
  );
  expect(diagnostics).toEqual([]);
  return playbook!;
}

const historiesDir = fileURLToPath(new URL('test/histories/', root));

/**
 * With RECORD_HISTORIES=1, stores the run's history for the replay test (test/replay.test.ts).
 * Binary protobuf: the exact history, independent of the SDK's JSON conventions.
 */
export async function recordHistory(
  name: string,
  handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> },
): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(
    `${historiesDir}${name}.binpb`,
    temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish(),
  );
}

export interface PlaybookEnv {
  readonly it: Integration;
  readonly env: TestWorkflowEnvironment;
  readonly taskQueue: string;
  readonly webhookCalls: Array<Record<string, unknown>>;
  /** Statuses the webhook answers with, one per call, before it answers 204 again. */
  readonly webhookAnswers: number[];
  account(over?: Partial<AccountDoc>): Promise<AccountDoc>;
  start(
    playbook: Playbook,
    account: AccountDoc,
    opts?: { control?: boolean; seen?: Record<string, unknown>; continueAfterEvents?: number },
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof playbookRun>>;
  setHealth(
    handle: { signal: (...args: never[]) => Promise<void> },
    account: AccountDoc,
    score: number,
    band: 'green' | 'yellow' | 'red',
    previous: { score: number; band: string },
  ): Promise<void>;
  /** The CSM completes the run's task for `stepId` (stored first, then signalled, as the API does). */
  completeTask(
    handle: { workflowId: string; signal: (...args: never[]) => Promise<void> },
    stepId: string,
    outcome: string,
  ): Promise<void>;
  mailTo(email: string): string[];
  run(workflowId: string): Promise<RunDoc | null>;
  tasks(accountId: string): Promise<TaskDoc[]>;
}

export function usePlaybookEnv(
  label: string,
  options: Pick<ActivityDeps, 'afterSmtpAccepted'> = {},
): PlaybookEnv {
  const it = useIntegration(label, { smtp: true });
  const taskQueue = `${label}-ts`;
  const webhookCalls: Array<Record<string, unknown>> = [];
  const webhookAnswers: number[] = [];
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let webhook: Server;

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        webhookCalls.push({ ...JSON.parse(body), idempotencyKey: req.headers['idempotency-key'] });
        res.writeHead(webhookAnswers.shift() ?? 204).end();
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
        config: {
          mailFrom: 'Success <success@retain.test>',
          publicUrl: 'https://retain.test',
          unsubscribeSecret: 's',
          templatesDir,
          webhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
        },
        ...options,
      }),
    });
    running = worker.run();
    await collections(it.db).users.updateOne(
      { _id: 'csm-maya' },
      {
        $set: {
          email: 'maya@retain.test',
          name: 'Maya Patel',
          role: 'csm',
          tokenHash: 'x',
          createdAt: new Date(),
        },
      },
      { upsert: true },
    );
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await new Promise((r) => webhook?.close(r));
  });

  return {
    it,
    get env() {
      return env;
    },
    taskQueue,
    webhookCalls,
    webhookAnswers,
    async account(over = {}) {
      const now = new Date();
      const id = `acct-${randomUUID().slice(0, 8)}`;
      const doc: AccountDoc = {
        _id: id,
        name: `Acme ${id}`,
        segment: 'high-touch',
        plan: 'enterprise',
        mrr: 5000,
        csm: 'csm-maya',
        startedAt: new Date('2025-06-01T00:00:00Z'),
        lifecycle: 'onboarding',
        attributes: {},
        contacts: [{ name: 'Dana Whitfield', email: `dana-${id}@acme.test`, role: 'primary' }],
        createdAt: now,
        updatedAt: now,
        ...over,
      };
      await collections(it.db).accounts.insertOne(doc);
      return doc;
    },
    start(playbook, account, opts = {}) {
      const input: RunInput = {
        accountId: account._id,
        playbookId: playbook.id,
        playbookVersion: 1,
        playbook,
        control: opts.control ?? false,
        trigger: { on: playbook.trigger.on, at: new Date().toISOString(), seen: opts.seen ?? {} },
        ...(opts.continueAfterEvents ? { continueAfterEvents: opts.continueAfterEvents } : {}),
      };
      return env.client.workflow.start(playbookRun, {
        taskQueue,
        workflowId: runWorkflowId(playbook.id, account._id),
        args: [input],
      });
    },
    async setHealth(handle, account, score, band, previous) {
      const observedAt = new Date();
      await collections(it.db).accounts.updateOne(
        { _id: account._id },
        { $set: { health: { score, band, observedAt } } },
      );
      await (handle as unknown as { signal: (s: typeof healthChanged, a: unknown) => Promise<void> }).signal(
        healthChanged,
        { health: { score, band }, previous, observedAt: observedAt.toISOString() },
      );
    },
    async completeTask(handle, stepId, outcome) {
      const task = await collections(it.db).tasks.findOne({
        workflowId: handle.workflowId,
        stepId,
        status: 'open',
      });
      expect(task, `an open task for ${stepId}`).not.toBeNull();
      await collections(it.db).tasks.updateOne(
        { _id: task!._id },
        { $set: { status: 'completed', outcome, completedAt: new Date() } },
      );
      await (handle as unknown as { signal: (s: typeof taskCompleted, a: unknown) => Promise<void> }).signal(
        taskCompleted,
        { taskId: task!._id, stepId, outcome },
      );
    },
    mailTo: (email) => it.inbox.messages.filter((m) => m.envelopeTo.includes(email)).map((m) => m.subject),
    run: (workflowId) => readRun(it.db, { workflowId }),
    tasks: (accountId) => collections(it.db).tasks.find({ accountId }).sort({ createdAt: 1 }).toArray(),
  };
}
