/**
 * A test file's interpreter runtime: the real `playbookRun` workflow in Temporal's
 * time-skipping test server, its activities replaced by in-memory stubs (stub-activities.ts).
 * No MongoDB, SMTP or dev server, and days-long waits pass in no time. The workflow is bundled
 * and one worker started once per file; each case gets its own stubs, which the worker's
 * activities route to by workflow id (a worker per case would cost seconds to start and stop).
 */
import { fileURLToPath } from 'node:url';
import { WorkflowFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Context } from '@temporalio/activity';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RunEnd } from '../../activities/run-records.js';
import type { Playbook } from '../../language/schema.js';
import type { Activities } from '../../workflows/activities-proxy.js';
import { createTimeSkippingEnvironment } from '../../lib/stack-time-skipping.js';
import {
  auditQuery,
  runWorkflowId,
  type AuditEntry,
  type RunInput,
  type RunResult,
} from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import { workflowBundle } from '../harness/bundle.js';
import {
  createStubs,
  effects,
  stubAccount,
  type ActivityName,
  type Call,
  type StubWorld,
  type Stubs,
} from './stub-activities.js';
import { dayMs } from '../../language/durations.js';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export type RunHandle = WorkflowHandleWithFirstExecutionRunId<typeof playbookRun>;

export interface RunCase {
  playbook: Playbook;
  /** The stubs' stored data; the account defaults to stubAccount(). */
  world?: Partial<StubWorld>;
  control?: boolean;
  /** What the trigger saw (RunInput.trigger.seen). */
  seen?: Record<string, unknown>;
  timeScale?: number;
  /** RunInput.continueAfterEvents: continue as new past this many history events. */
  continueAfterEvents?: number;
  /** What happens while the run is live (signals, stored changes); the result is awaited after. */
  drive?: (run: { handle: RunHandle; stubs: Stubs; env: TestWorkflowEnvironment }) => Promise<void>;
}

export interface RunReport {
  /** The workflow's result; absent when it failed. */
  result?: RunResult;
  /** The failure's message when the workflow failed. */
  failure?: string;
  calls: Call[];
  /** The side effects asked for, one line each (see effects()). */
  effects: string[];
  audit: AuditEntry[];
  /** What the run's end record was given. */
  ended: RunEnd;
  /** Workflow time of an audit entry, in days since the run started. */
  dayOf(entry: AuditEntry): number;
  /** The audit entries of one step. */
  step(id: string): AuditEntry[];
}

/** Activities that hand each call to the stubs of the run (workflow id) that made it. */
function routed(stubsOf: (workflowId: string) => Stubs): Activities {
  const route =
    <K extends ActivityName>(name: K) =>
    (...args: Parameters<Activities[K]>) => {
      const stubs = stubsOf(Context.current().info.workflowExecution?.workflowId ?? '');
      return (stubs.activities[name] as (...a: Parameters<Activities[K]>) => ReturnType<Activities[K]>)(
        ...args,
      );
    };
  return {
    loadCurrentAccount: route('loadCurrentAccount'),
    updateAccountField: route('updateAccountField'),
    recordRunStarted: route('recordRunStarted'),
    appendAudit: route('appendAudit'),
    recordRunEnded: route('recordRunEnded'),
    createTask: route('createTask'),
    recordOutcome: route('recordOutcome'),
    sendEmail: route('sendEmail'),
    notify: route('notify'),
  };
}

export function useInterpreter(label: string): { run(c: RunCase): Promise<RunReport> } {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `interpreter-${label}`;
  const stubsByRun = new Map<string, Stubs>();
  let seq = 0;

  beforeAll(async () => {
    // A table of cases would print the worker's INFO lines and the core's warnings about the
    // test server's capabilities dozens of times. Once per process: a second install throws.
    try {
      Runtime.install({
        logger: new DefaultLogger('ERROR'),
        telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
      });
    } catch {
      // already installed by another file in this process
    }
    const [started, workflowBundleCode] = await Promise.all([
      createTimeSkippingEnvironment(),
      workflowBundle(workflowsPath),
    ]);
    env = started;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundleCode,
      activities: routed((workflowId) => {
        const stubs = stubsByRun.get(workflowId);
        if (!stubs) throw new Error(`no stubs for ${workflowId}`);
        return stubs;
      }),
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  async function run(c: RunCase): Promise<RunReport> {
    seq += 1;
    const stubs = createStubs({ account: stubAccount(), ...c.world });
    const accountId = stubs.world.account?._id ?? 'acct-gone';
    const workflowId = `${runWorkflowId(c.playbook.id, accountId)}:${seq}`;
    stubsByRun.set(workflowId, stubs);
    const input: RunInput = {
      accountId,
      playbookId: c.playbook.id,
      playbookVersion: 1,
      playbook: c.playbook,
      control: c.control ?? false,
      trigger: { on: c.playbook.trigger.on, at: new Date().toISOString(), seen: c.seen ?? {} },
      ...(c.timeScale ? { timeScale: c.timeScale } : {}),
      ...(c.continueAfterEvents ? { continueAfterEvents: c.continueAfterEvents } : {}),
    };
    const handle = await env.client.workflow.start(playbookRun, { taskQueue, workflowId, args: [input] });
    await c.drive?.({ handle, stubs, env });
    let result: RunResult | undefined;
    let failure: string | undefined;
    try {
      result = await handle.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      failure = err.cause?.message ?? err.message;
    }
    const audit = await handle.query(auditQuery);

    // Everything the run recorded reached its stored trail, in order, once.
    const persisted: AuditEntry[] = [];
    for (const call of stubs.calls)
      if (call.name === 'appendAudit')
        call.input.entries.forEach((entry, i) => (persisted[call.input.from + i] ??= entry));
    expect(persisted).toEqual(audit);
    const ends = stubs.calls.filter((call) => call.name === 'recordRunEnded');
    expect(ends).toHaveLength(1);

    const startedAt = Date.parse(audit[0].at);
    return {
      result,
      failure,
      calls: stubs.calls,
      effects: effects(stubs.calls),
      audit,
      ended: ends[0].input,
      dayOf: (entry) => (Date.parse(entry.at) - startedAt) / dayMs,
      step: (id) => audit.filter((entry) => entry.step === id),
    };
  }

  return { run };
}
