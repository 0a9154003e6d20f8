/**
 * Continue-as-new, on the real workflow with stubbed activities (interpreter-env.ts): a run
 * whose history passes its bound (RunInput.continueAfterEvents, set very low here) continues
 * as new while blocked, inside branches, in a wait, a waitFor or its goal's window, and does
 * exactly what the same run does in one execution: the same steps at the same times, the same
 * audit, one end record, under the run id of its first execution.
 */
import { describe, expect, test } from 'vitest';
import type { Playbook } from '../../language/schema.js';
import { runIdFor, accountEvent, healthChanged, type AuditEntry } from '../../workflows/contract.js';
import { useInterpreter, type RunCase, type RunReport } from './interpreter-env.js';
import { green, red, withHealth, type Call } from './stub-activities.js';

const { run } = useInterpreter('continue-as-new');

const nested: Playbook = {
  id: 'nested',
  name: 'Blocked deep in branches',
  trigger: { on: 'health.changed' },
  goal: { when: 'account.attributes.done == true', outcome: 'done', within: '70d', missedOutcome: 'missed' },
  steps: [
    { id: 'call', task: { title: 'Call' } },
    {
      id: 'check',
      if: 'health.score < 50',
      then: [
        { id: 'pause', wait: '10d' },
        {
          id: 'wait_call',
          waitFor: {
            task: 'call',
            timeout: '20d',
            onTimeout: [
              { id: 'nudge', email: { template: 'nudge' } },
              { id: 'pause2', wait: '5d' },
            ],
          },
        },
      ],
    },
    {
      id: 'route',
      switch: {
        cases: [
          {
            when: 'steps.wait_call.status == "timed_out"',
            then: [{ id: 'late', wait: '3d' }, { outcome: 'late' }],
          },
        ],
        default: [{ outcome: 'fine' }],
      },
    },
  ],
};

const continuedEntries = (audit: AuditEntry[]) =>
  audit.filter((e) => e.kind === 'run' && e.event === 'continued');
const withoutContinued = (audit: AuditEntry[]) =>
  audit.filter((e) => !(e.kind === 'run' && e.event === 'continued'));
const calls = (r: RunReport, name: Call['name']) => r.calls.filter((c) => c.name === name).length;

/** The same case in one execution and continued as new every few events. */
async function both(c: RunCase): Promise<{ once: RunReport; continued: RunReport }> {
  const once = await run(c);
  const continued = await run({ ...c, continueAfterEvents: 20 });
  return { once, continued };
}

describe('a run that continues as new', () => {
  test('blocked in waits and a waitFor inside branches and in its goal window: the same run', async () => {
    const { once, continued } = await both({ playbook: nested, world: withHealth(red) });
    expect(continuedEntries(once.audit)).toEqual([]);
    expect(continuedEntries(continued.audit).length).toBeGreaterThanOrEqual(3);
    expect(continued.effects).toEqual(['task call', 'email nudge', 'outcome late']);
    expect(continued.effects).toEqual(once.effects);
    expect(continued.result).toEqual({ status: 'completed', outcome: 'missed', goalReached: false });
    expect(continued.result).toEqual(once.result);
    // Every step at the same time of the run, the goal missed at day 70 (the task's id and due
    // date are the run's own).
    const timeline = (r: RunReport) =>
      withoutContinued(r.audit).map((e) => {
        const { due, taskId, ...detail } = e.detail;
        return [r.dayOf(e).toFixed(3), e.step, e.kind, e.event, detail, typeof due, typeof taskId];
      });
    expect(timeline(continued)).toEqual(timeline(once));
    expect(
      continued.dayOf(continued.audit.find((e) => e.kind === 'goal' && e.event === 'missed')!),
    ).toBeCloseTo(70, 3);
    expect(calls(continued, 'recordRunStarted')).toBe(1);
    expect(calls(continued, 'recordRunEnded')).toBe(1);
  }, 60_000);

  test('keeps the run id of its first execution', async () => {
    let first = '';
    const r = await run({
      playbook: nested,
      world: withHealth(red),
      continueAfterEvents: 20,
      drive: async ({ handle }) => {
        first = handle.firstExecutionRunId;
      },
    });
    expect(continuedEntries(r.audit).length).toBeGreaterThan(0);
    expect(r.ended.runId).toBe(runIdFor(first));
    const started = r.calls.find((c) => c.name === 'recordRunStarted');
    expect(started?.input.runId).toBe(runIdFor(first));
  }, 60_000);

  test('a waitFor event: events arriving across continuations release it, its timeout stays absolute', async () => {
    const playbook: Playbook = {
      id: 'event-wait',
      name: 'Waits for an event',
      trigger: { on: 'health.changed' },
      goal: { when: 'health.score > 1000', outcome: 'impossible' },
      steps: [{ id: 'wait_signed', waitFor: { event: 'signed', timeout: '30d' } }, { outcome: 'signed' }],
    };
    const daily = (days: number, signed?: number) =>
      (async ({ handle, env }) => {
        for (let day = 1; day <= days; day++) {
          await env.sleep('1 day');
          for (const score of [30, 31, 32, 33])
            await handle.signal(healthChanged, {
              health: { score, band: 'red' },
              previous: { score: score - 1, band: 'red' },
              observedAt: new Date(await env.currentTimeMs()).toISOString(),
            });
          if (day === signed) {
            await handle.signal(accountEvent, {
              name: 'other',
              data: {},
              occurredAt: new Date().toISOString(),
            });
            await handle.signal(accountEvent, {
              name: 'signed',
              data: {},
              occurredAt: new Date().toISOString(),
            });
          }
        }
      }) satisfies RunCase['drive'];

    const signed = await run({
      playbook,
      world: withHealth(red),
      continueAfterEvents: 25,
      drive: daily(12, 12),
    });
    expect(continuedEntries(signed.audit).length).toBeGreaterThanOrEqual(2);
    expect(signed.effects).toEqual(['outcome signed']);
    expect(signed.dayOf(signed.step('wait_signed').find((e) => e.event === 'done')!)).toBeCloseTo(12, 2);
    // A goal on health alone is decided from the signals (48 of them): the account is re-read
    // only by the goal's daily re-check, not once per signal.
    expect(calls(signed, 'loadCurrentAccount')).toBeLessThan(20);

    const timedOut = await run({
      playbook,
      world: withHealth(red),
      continueAfterEvents: 25,
      drive: daily(12),
    });
    expect(continuedEntries(timedOut.audit).length).toBeGreaterThanOrEqual(2);
    expect(timedOut.dayOf(timedOut.step('wait_signed').find((e) => e.event === 'timed_out')!)).toBeCloseTo(
      30,
      3,
    );
  }, 60_000);

  test('a control run observing its goal continues as new and still sees it reached', async () => {
    const playbook: Playbook = {
      id: 'observe',
      name: 'Control observes',
      trigger: { on: 'health.changed' },
      goal: { when: 'health.band == "green"', outcome: 'recovered', within: '30d' },
      steps: [{ id: 'first', email: { template: 'rescue' } }],
    };
    const r = await run({
      playbook,
      control: true,
      world: withHealth(red),
      continueAfterEvents: 20,
      drive: async ({ handle, env }) => {
        for (let day = 1; day <= 12; day++) {
          await env.sleep('1 day');
          const health = day === 12 ? green : red;
          await handle.signal(healthChanged, {
            health,
            previous: red,
            observedAt: new Date(await env.currentTimeMs()).toISOString(),
          });
        }
      },
    });
    expect(continuedEntries(r.audit).length).toBeGreaterThanOrEqual(1);
    expect(r.effects).toEqual([]);
    expect(r.result).toEqual({ status: 'completed', outcome: 'recovered', goalReached: true });
    expect(r.dayOf(r.audit.find((e) => e.kind === 'goal' && e.event === 'reached')!)).toBeCloseTo(12, 2);
  }, 60_000);
});
