/**
 * Long-lived runs on the time-skipping server, with real activities and database: a 90-day wait
 * that receives 20,000 health signals and a 365-day run with daily ones both continue as new
 * as their history grows and end normally: result, end record, outcome, cleaned-up tasks and a
 * whole audit trail in `runAudit`. Also records the histories of a run continuing as new
 * (blocked inside branches) for the replay test.
 */
import { describe, expect, test } from 'vitest';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { Playbook } from '../../language/schema.js';
import { collections } from '../../lib/collections.js';
import { dayMs } from '../../language/durations.js';
import { accountEvent, healthChanged, runIdFor, type HealthChange } from '../../workflows/contract.js';
import type { playbookRun } from '../../workflows/playbook-run.js';
import { recordHistory, usePlaybookEnv, type PlaybookEnv } from './playbook-env.js';

const pe = usePlaybookEnv('long-runs');

/**
 * Health arrives about daily, every 23 hours: not at the instant the goal's daily re-check
 * fires, which the time-skipping server cannot take together with the re-check's timer being
 * cancelled by the signal (it refuses the workflow task, where Temporal's server retries it).
 */
const signalEvery = dayMs - dayMs / 24;

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof playbookRun>;

interface Chain {
  executions: number;
  /** History events of each execution. */
  lengths: number[];
  activities: number;
  signals: number;
  runIds: string[];
}

/** Every execution of the run, first to last, following its continue-as-new events. */
async function chainOf(env: PlaybookEnv, handle: Handle): Promise<Chain> {
  const chain: Chain = { executions: 0, lengths: [], activities: 0, signals: 0, runIds: [] };
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.env.client.workflow
      .getHandle(handle.workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    chain.executions += 1;
    chain.runIds.push(runId);
    chain.lengths.push(events.length);
    chain.activities += events.filter((e) => e.activityTaskScheduledEventAttributes).length;
    chain.signals += events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

const health = (score: number, at: number): HealthChange => ({
  health: { score, band: score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red' },
  previous: { score: score - 1, band: 'yellow' },
  observedAt: new Date(at).toISOString(),
});

/** The run ended as a run ends: its record, its trail stored whole and in order, tasks closed. */
async function expectEnded(handle: Handle, accountId: string, outcome: string) {
  const runId = runIdFor(handle.firstExecutionRunId);
  const { runs, runAudit, tasks, outcomes } = collections(pe.it.db);
  const run = await runs.findOne({ _id: runId });
  expect(run).toMatchObject({ status: 'completed', outcome, currentStep: null, audit: [] });
  expect(run?.endedAt).toBeInstanceOf(Date);
  const stored = await runAudit.find({ runId }).sort({ seq: 1 }).toArray();
  expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i));
  expect(stored).toHaveLength(run!.auditLength!);
  // Once, though not necessarily first: signals sent with the start are handled before it.
  expect(stored.filter((e) => e.kind === 'trigger')).toHaveLength(1);
  expect(stored.at(-1)).toMatchObject({ kind: 'run', event: 'ended', detail: { outcome } });
  expect(await tasks.countDocuments({ accountId, status: 'open' })).toBe(0);
  expect(await outcomes.countDocuments({ runId, name: outcome })).toBe(1);
  return { run: run!, stored };
}

describe('long-lived runs', () => {
  test('a 90-day wait with 20,000 health signals continues as new and ends normally', async () => {
    const playbook: Playbook = {
      id: 'renewal-watch',
      name: 'Renewal watch',
      trigger: { on: 'health.changed' },
      // Reads only health: decided from each signal, with no re-read of the account.
      goal: { when: 'health.score > 100', outcome: 'impossible' },
      steps: [
        { id: 'call', task: { title: 'Renewal call with {{account.name}}', due: '120d' } },
        { id: 'renewal_wait', wait: '90d' },
        { id: 'closed', outcome: 'renewal_window_closed' },
      ],
    };
    const account = await pe.account();
    const handle = await pe.start(playbook, account);
    const batches = 100;
    const perBatch = 200;
    for (let b = 0; b < batches; b++) {
      const at = await pe.env.currentTimeMs();
      await Promise.all(
        Array.from({ length: perBatch }, (_, i) =>
          handle.signal(healthChanged, health(40 + ((b + i) % 50), at)),
        ),
      );
      await pe.env.sleep((89 * dayMs) / batches);
    }
    expect(await handle.result()).toEqual({
      status: 'completed',
      outcome: 'renewal_window_closed',
      goalReached: false,
    });
    const { stored } = await expectEnded(handle, account._id, 'renewal_window_closed');
    expect(stored.filter((e) => e.kind === 'health')).toHaveLength(batches * perBatch);
    expect(await collections(pe.it.db).tasks.findOne({ accountId: account._id })).toMatchObject({
      stepId: 'call',
      status: 'cancelled',
    });
    const chain = await chainOf(pe, handle);
    console.log('20,000 signals over a 90-day wait:', JSON.stringify(chain));
    expect(chain.signals).toBe(batches * perBatch);
    expect(chain.executions).toBeGreaterThan(1);
    // Every execution stays near the run's bound (5,000 events by default).
    expect(Math.max(...chain.lengths)).toBeLessThan(6_000);
    // No re-read per health signal: the goal's daily re-check (90), the audit stored 200
    // entries at a time (100), the steps and the run's start and end.
    expect(chain.activities).toBeLessThan(250);
  }, 180_000);

  test('a 365-day run with daily health signals continues as new and ends normally', async () => {
    const playbook: Playbook = {
      id: 'year-long',
      name: 'A year of renewal',
      trigger: { on: 'health.changed' },
      // Reads the account: every signal asks for a re-read.
      goal: { when: 'account.attributes.renewed == true', outcome: 'renewed' },
      steps: [
        { id: 'review', task: { title: 'Annual review for {{account.name}}', due: '30d' } },
        {
          id: 'year',
          waitFor: {
            event: 'renewal_signed',
            timeout: '365d',
            onTimeout: [
              { id: 'lapse_call', task: { title: 'Lapsed: call {{account.name}}', due: '7d' } },
              { id: 'lapsed', outcome: 'lapsed' },
            ],
          },
        },
      ],
    };
    const account = await pe.account();
    const handle = await pe.start(playbook, account, { continueAfterEvents: 1_000 });
    let signals = 0;
    for (let day = 1; day * signalEvery < 365 * dayMs; day++) {
      await pe.env.sleep(signalEvery);
      signals += 1;
      await handle.signal(healthChanged, health(30 + (day % 60), await pe.env.currentTimeMs()));
      if (day % 30 === 0)
        await handle.signal(accountEvent, {
          name: 'usage_report',
          data: { day },
          occurredAt: new Date().toISOString(),
        });
    }
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'lapsed', goalReached: false });
    const { run, stored } = await expectEnded(handle, account._id, 'lapsed');
    const timedOut = stored.find((e) => e.step === 'year' && e.event === 'timed_out')!;
    const started = run.startedAt.getTime();
    expect((timedOut.at.getTime() - started) / dayMs).toBeCloseTo(365, 1);
    expect(stored.filter((e) => e.kind === 'health')).toHaveLength(signals);
    const tasks = await collections(pe.it.db)
      .tasks.find({ accountId: account._id })
      .sort({ createdAt: 1 })
      .toArray();
    expect(tasks.map((t) => [t.stepId, t.status])).toEqual([
      ['review', 'cancelled'],
      ['lapse_call', 'cancelled'],
    ]);
    const chain = await chainOf(pe, handle);
    console.log('365 days of daily signals:', JSON.stringify(chain));
    expect(chain.executions).toBeGreaterThan(2);
    expect(Math.max(...chain.lengths)).toBeLessThan(1_200);
  }, 180_000);

  test('a run blocked inside branches continues as new (histories recorded for replay)', async () => {
    const playbook: Playbook = {
      id: 'continue-as-new',
      name: 'Blocked deep in branches',
      trigger: { on: 'health.changed' },
      goal: {
        when: 'account.attributes.done == true',
        outcome: 'done',
        within: '40d',
        missedOutcome: 'missed',
      },
      steps: [
        { id: 'call', task: { title: 'Call {{account.name}}' } },
        {
          id: 'check',
          if: 'health.score < 50',
          then: [
            { id: 'pause', wait: '5d' },
            {
              id: 'wait_call',
              waitFor: { task: 'call', timeout: '10d', onTimeout: [{ id: 'pause2', wait: '5d' }] },
            },
          ],
        },
        { id: 'noted', outcome: 'waited' },
      ],
    };
    const account = await pe.account();
    const handle = await pe.start(playbook, account, {
      continueAfterEvents: 80,
      seen: { health: { score: 30, band: 'red' } },
    });
    for (let day = 1; day <= 12; day++) {
      await pe.env.sleep(signalEvery);
      await handle.signal(healthChanged, health(30 + day, await pe.env.currentTimeMs()));
    }
    expect(await handle.result()).toEqual({ status: 'completed', outcome: 'missed', goalReached: false });
    await expectEnded(handle, account._id, 'missed');
    const chain = await chainOf(pe, handle);
    console.log('blocked inside branches:', JSON.stringify(chain));
    expect(chain.executions).toBeGreaterThanOrEqual(3);
    for (const [i, runId] of chain.runIds.entries())
      await recordHistory(
        `continue-as-new.${i + 1}`,
        pe.env.client.workflow.getHandle(handle.workflowId, runId),
      );
  }, 120_000);
});
