/**
 * How a run ends, on the real workflow with stubbed activities (interpreter-env.ts): the goal
 * reached (at the start, while waiting, on a health signal, by the run's own update) or
 * missed, control (holdout) runs that only observe, cancellation, and a run that cannot go on.
 * What each end asks of the activities, and what the run's end record is given.
 */
import { describe, expect, test } from 'vitest';
import type { Goal, Playbook, Step } from '../../language/schema.js';
import { cancelRequested, healthChanged, type AuditEntry } from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import { useInterpreter } from './interpreter-env.js';
import { green, red, withHealth, type Call, type StubWorld } from './stub-activities.js';

const { run } = useInterpreter('ends');

const recovered: Goal = { when: 'health.band == "green"', outcome: 'recovered' };

function playbook(steps: Step[], goal?: Goal): Playbook {
  return {
    id: 'ends',
    name: 'Run ends under test',
    trigger: { on: 'health.changed' },
    steps,
    ...(goal ? { goal } : {}),
  };
}
const rescue: Step[] = [
  { id: 'first', email: { template: 'rescue' } },
  { id: 'pause', wait: '7d' },
  { id: 'second', email: { template: 'rescue_again' } },
];
const waiting = (step: string) => (c: Call) =>
  c.name === 'appendAudit' && c.input.entries.some((e) => e.step === step && e.event === 'waiting');
const goalReached = (audit: AuditEntry[]) => audit.filter((e) => e.kind === 'goal' && e.event === 'reached');

test('the workflow type name stays playbookRun: recorded histories and runs in flight carry it', () => {
  expect(playbookRun.name).toBe('playbookRun');
});

describe('the goal', () => {
  test('already holding at the start: no step runs', async () => {
    const r = await run({ playbook: playbook(rescue, recovered), world: withHealth(green) });
    expect(r.effects).toEqual([]);
    expect(r.result).toEqual({ status: 'completed', outcome: 'recovered', goalReached: true });
    expect(goalReached(r.audit)).toMatchObject([{ detail: { atStart: true } }]);
    // The goal's outcome is recorded by the run's end.
    expect(r.ended).toMatchObject({
      status: 'completed',
      outcome: 'recovered',
      goalReached: true,
      recordOutcome: true,
    });
  });

  test('reached while waiting: the daily re-check ends the run and skips the rest', async () => {
    const r = await run({
      playbook: playbook(rescue, recovered),
      world: { ...withHealth(red), healthByDay: [[3.5, green]] },
    });
    expect(r.effects).toEqual(['email rescue']);
    expect(r.dayOf(goalReached(r.audit)[0])).toBeCloseTo(4, 2);
    expect(r.result).toEqual({ status: 'completed', outcome: 'recovered', goalReached: true });
  });

  test('reached by a health change signalled during a waitFor', async () => {
    const r = await run({
      playbook: playbook(
        [
          { id: 'call', task: { title: 'Call' } },
          { id: 'wait_call', waitFor: { task: 'call', timeout: '10d' } },
          ...rescue,
        ],
        recovered,
      ),
      world: withHealth(red),
      drive: async ({ handle, stubs, env }) => {
        await stubs.waitForCall(waiting('wait_call'), 'the waitFor');
        await env.sleep('36 hours'); // between the goal's daily re-checks
        const observedAt = new Date(await env.currentTimeMs());
        stubs.world.account!.health = { ...green, observedAt };
        await handle.signal(healthChanged, {
          health: green,
          previous: red,
          observedAt: observedAt.toISOString(),
        });
      },
    });
    expect(r.effects).toEqual(['task call']);
    expect(r.dayOf(goalReached(r.audit)[0])).toBeCloseTo(1.5, 2);
    expect(r.audit).toContainEqual(
      expect.objectContaining({
        kind: 'health',
        event: 'changed',
        detail: { score: 85, band: 'green', previousBand: 'red' },
      }),
    );
    expect(r.result).toEqual({ status: 'completed', outcome: 'recovered', goalReached: true });
  });

  test('reached by the run’s own update: checked after the step, before the next', async () => {
    const r = await run({
      playbook: playbook(
        [{ update: { field: 'lifecycle', value: 'adoption' } }, { email: { template: 'never' } }],
        { when: 'account.lifecycle == "adoption"', outcome: 'adopted' },
      ),
    });
    expect(r.effects).toEqual(['update lifecycle=adoption']);
    expect(r.result).toEqual({ status: 'completed', outcome: 'adopted', goalReached: true });
  });

  test.each<[string, Goal, string]>([
    ['its missed outcome', { ...recovered, within: '10d', missedOutcome: 'still_red' }, 'still_red'],
    ['goal_missed when it names none', { ...recovered, within: '10d' }, 'goal_missed'],
  ])(
    'missed: the steps done, the run observes until its window ends, then ends with %s',
    async (_, goal, outcome) => {
      const r = await run({
        playbook: playbook([{ email: { template: 'rescue' } }], goal),
        world: withHealth(red),
      });
      expect(r.effects).toEqual(['email rescue']);
      const missed = r.audit.find((e) => e.kind === 'goal' && e.event === 'missed')!;
      expect(r.dayOf(missed)).toBeCloseTo(10, 2);
      expect(r.result).toEqual({ status: 'completed', outcome, goalReached: false });
      expect(r.ended).toMatchObject({ outcome, recordOutcome: true });
    },
  );
});

describe('control runs take no action and observe the goal', () => {
  test.each<
    [string, Goal | undefined, Partial<StubWorld>, { outcome: string | null; goalReached: boolean }, number]
  >([
    [
      'reached on day 20',
      recovered,
      { ...withHealth(red), healthByDay: [[19.5, green]] },
      { outcome: 'recovered', goalReached: true },
      20,
    ],
    [
      'missed after the default 90 days',
      recovered,
      withHealth(red),
      { outcome: 'goal_missed', goalReached: false },
      90,
    ],
    ['with no goal: ended at once', undefined, withHealth(red), { outcome: null, goalReached: false }, 0],
  ])('%s', async (_, goal, world, result, day) => {
    const r = await run({ playbook: playbook(rescue, goal), world, control: true });
    expect(r.effects).toEqual([]);
    expect(r.result).toEqual({ status: 'completed', ...result });
    expect(r.dayOf(r.audit[r.audit.length - 1])).toBeCloseTo(day, 2);
    expect(r.audit[0]).toMatchObject({ kind: 'trigger', detail: { control: true } });
    expect(r.ended).toMatchObject({ input: { control: true } });
  });
});

describe('cancellation', () => {
  test.each<[string, Step[], string, string[]]>([
    ['during a wait', rescue, 'pause', ['email rescue']],
    [
      'during a waitFor of an open task',
      [
        { id: 'call', task: { title: 'Call' } },
        { id: 'wait_call', waitFor: { task: 'call', timeout: '5d' } },
        ...rescue,
      ],
      'wait_call',
      ['task call'],
    ],
  ])('%s ends the run as cancelled with its reason; nothing after runs', async (_, steps, at, effects) => {
    const r = await run({
      playbook: playbook(steps),
      drive: async ({ handle, stubs, env }) => {
        await stubs.waitForCall(waiting(at), `the step ${at}`);
        // An hour into the wait, when no activity is in flight: the time-skipping server fails
        // the workflow task that cancels an activity which completed meanwhile (ACTIVITY_UNKNOWN)
        // and the run then hangs there; Temporal's own server records the completion instead.
        await env.sleep('1 hour');
        await handle.signal(cancelRequested, { reason: 'customer churned' });
      },
    });
    expect(r.effects).toEqual(effects);
    expect(r.result).toEqual({ status: 'cancelled', outcome: null, goalReached: false });
    expect(r.ended).toMatchObject({ status: 'cancelled', cancelReason: 'customer churned' });
    expect(r.audit).toContainEqual(
      expect.objectContaining({ kind: 'run', event: 'cancelled', detail: { reason: 'customer churned' } }),
    );
  });
});

describe('a run that cannot go on', () => {
  test.each<[string, Partial<StubWorld>, Goal | undefined, string[]]>([
    ['its account is gone at the start', { account: null }, undefined, []],
    [
      'its account is deleted while it waits (the goal re-check fails)',
      withHealth(red),
      recovered,
      ['email rescue'],
    ],
  ])('fails when %s, and its end is recorded', async (_, world, goal, effects) => {
    const r = await run({
      playbook: playbook(rescue, goal),
      world,
      drive: async ({ stubs }) => {
        if (!stubs.world.account) return;
        await stubs.waitForCall(waiting('pause'), 'the pause');
        stubs.world.account = null;
      },
    });
    expect(r.effects).toEqual(effects);
    expect(r.result).toBeUndefined();
    expect(r.failure).toMatch(/^run failed: Account "acct-.*" does not exist\.$/);
    expect(r.ended).toMatchObject({ status: 'failed', outcome: null, recordOutcome: false });
    expect(r.audit).toContainEqual(expect.objectContaining({ kind: 'run', event: 'failed' }));
  });
});
