/**
 * Each step kind and each branch of the interpreter, on the real workflow with stubbed
 * activities (interpreter-env.ts): what the run asks the activities for, in order, what it
 * records, and what it returns. The same paths against real servers: test/execution.
 */
import { describe, expect, test } from 'vitest';
import type { HealthView } from '../../language/context.js';
import type { Playbook, Step } from '../../language/schema.js';
import { taskIdFor } from '../../lib/ids.js';
import { accountEvent, runIdFor, taskCompleted } from '../../workflows/contract.js';
import { useInterpreter } from './interpreter-env.js';
import {
  green,
  red,
  stubAccount,
  withHealth,
  yellow,
  type Call,
  type StoredHealth,
  type StubWorld,
} from './stub-activities.js';

const { run } = useInterpreter('steps');

function playbook(steps: Step[]): Playbook {
  return { id: 'steps', name: 'Steps under test', trigger: { on: 'manual' }, steps };
}

const completed = (outcome: string | null) => ({ status: 'completed', outcome, goalReached: false });

describe('email', () => {
  test.each<[string, string | undefined, Partial<StubWorld>, string, string[]]>([
    ['the primary contact by default', undefined, {}, 'sent', ['dana@acme.test']],
    ['the contacts with a role', 'role:admin', {}, 'sent', ['ola@acme.test']],
    ['every contact', 'all', {}, 'sent', ['dana@acme.test', 'ola@acme.test']],
    ['nobody who unsubscribed', undefined, { suppressed: ['dana@acme.test'] }, 'suppressed', []],
    [
      'no one when there is no contact',
      undefined,
      { account: stubAccount({ contacts: [] }) },
      'no_recipient',
      [],
    ],
  ])('an email goes to %s', async (_, to, world, event, recipients) => {
    const r = await run({
      playbook: playbook([{ email: { template: 'welcome', ...(to ? { to } : {}) } }]),
      world,
    });
    expect(r.effects).toEqual([to ? `email welcome to ${to}` : 'email welcome']);
    expect(r.step('steps[0]')).toMatchObject([
      { kind: 'email', event, detail: { to: recipients, template: 'welcome' } },
    ]);
    expect(r.result).toEqual(completed(null));
  });

  test('a step that fails for good is recorded as failed and the playbook goes on', async () => {
    const r = await run({
      playbook: playbook([{ id: 'hello', email: { template: 'missing' } }, { outcome: 'went_on' }]),
      world: { failing: { sendEmail: 'Template "missing" does not exist.' } },
    });
    expect(r.effects).toEqual(['email missing', 'outcome went_on']);
    expect(r.step('hello')).toMatchObject([
      {
        kind: 'email',
        event: 'failed',
        detail: { error: 'Template "missing" does not exist.', type: 'StubFailure' },
      },
    ]);
    expect(r.result).toEqual(completed('went_on'));
  });
});

describe('task and waitFor', () => {
  const call: Step[] = [
    { id: 'call', task: { title: 'Call {{account.name}}', outcomes: ['reached', 'no_answer'], due: '1d' } },
    {
      id: 'wait_call',
      waitFor: {
        task: 'call',
        timeout: '3d',
        onTimeout: [{ notify: { to: 'csm', message: 'No answer in 3 days' } }],
      },
    },
    {
      id: 'check',
      if: 'steps.call.outcome == "reached"',
      then: [
        { update: { field: 'lifecycle', value: 'adoption' } },
        { outcome: { name: 'reached_customer', end: true } },
      ],
    },
    { email: { template: 'follow_up' } },
    { outcome: 'not_reached' },
  ];

  test('a task is created with its due date in run time, assigned to the CSM, and left open', async () => {
    const r = await run({ playbook: playbook([call[0]]) });
    const created = r.calls.find((c) => c.name === 'createTask');
    expect(created?.input).toMatchObject({ stepId: 'call', task: { title: 'Call {{account.name}}' } });
    expect(Date.parse(created!.input.dueAt) - Date.parse(r.audit[0].at)).toBeGreaterThanOrEqual(86_400_000);
    expect(Date.parse(created!.input.dueAt) - Date.parse(r.audit[0].at)).toBeLessThan(86_400_000 + 60_000);
    expect(r.step('call')).toMatchObject([
      {
        kind: 'task',
        event: 'created',
        detail: { assignee: 'csm-maya', priority: 'normal', taskId: taskIdFor(created!.input.runId, 'call') },
      },
    ]);
    expect(r.result).toEqual(completed(null));
  });

  test.each<[string, string | null, string[], string, string]>([
    [
      'reached',
      'reached',
      ['task call', 'update lifecycle=adoption', 'outcome reached_customer'],
      'done',
      'reached_customer',
    ],
    [
      'no_answer',
      'no_answer',
      ['task call', 'email follow_up', 'outcome not_reached'],
      'done',
      'not_reached',
    ],
    [
      'no completion',
      null,
      ['task call', 'notify csm', 'email follow_up', 'outcome not_reached'],
      'timed_out',
      'not_reached',
    ],
  ])(
    'the CSM answers %s: the branch on its outcome decides the rest',
    async (_, outcome, effects, waited, result) => {
      const r = await run({
        playbook: playbook(call),
        drive: async ({ handle, stubs }) => {
          if (!outcome) return;
          await stubs.waitForCall((c) => c.name === 'createTask', 'the task');
          stubs.completeTask('call');
          const taskId = taskIdFor(runIdFor(handle.firstExecutionRunId), 'call');
          await handle.signal(taskCompleted, { taskId, stepId: 'call', outcome });
        },
      });
      expect(r.effects).toEqual(effects);
      const wait = r.step('wait_call').find((e) => e.event !== 'waiting')!;
      expect(wait.event).toBe(waited);
      // Released by the completion at once, or by the timeout three days on.
      expect(r.dayOf(wait)).toBeCloseTo(outcome ? 0 : 3, 2);
      expect(r.step('check')).toMatchObject([
        { detail: { branch: outcome === 'reached' ? 'then' : 'else' } },
      ]);
      expect(r.result).toEqual(completed(result));
    },
  );

  const hold = (before: Step[]): Step[] => [
    ...before,
    {
      id: 'hold',
      waitFor: {
        event: 'invoice_paid',
        timeout: '7d',
        onTimeout: [{ outcome: { name: 'unpaid', end: true } }],
      },
    },
    { outcome: 'paid' },
  ];
  const waiting = (step: string) => (c: Call) =>
    c.name === 'appendAudit' && c.input.entries.some((e) => e.step === step && e.event === 'waiting');
  // The event is sent a day into the wait (the time-skipping server moves its clock only once
  // the run is idle, so the wait has surely begun), or during the `pause` before it.
  test.each<[string, Step[], string, string, number]>([
    ['the event it waits for releases it', hold([]), 'invoice_paid', 'paid', 1],
    ['another event does not', hold([]), 'invoice_disputed', 'unpaid', 7],
    [
      'an event that came before the wait began does not',
      hold([{ id: 'pause', wait: '1d' }]),
      'invoice_paid',
      'unpaid',
      8,
    ],
  ])('waitFor an event: %s', async (_, steps, name, outcome, day) => {
    const r = await run({
      playbook: playbook(steps),
      drive: async ({ handle, stubs, env }) => {
        if (steps[0].id === 'pause') await stubs.waitForCall(waiting('pause'), 'the pause');
        else {
          await stubs.waitForCall(waiting('hold'), 'the wait');
          await env.sleep('1 day');
        }
        await handle.signal(accountEvent, { name, data: {}, occurredAt: new Date().toISOString() });
      },
    });
    expect(r.effects).toEqual([`outcome ${outcome}`]);
    const released = r.step('hold').find((e) => e.event !== 'waiting')!;
    expect(r.dayOf(released)).toBeCloseTo(day, 2);
    expect(r.result).toEqual(completed(outcome));
  });

  // The event sequence is read before the "waiting" entry is stored (a patched() change).
  test('waitFor an event: one that arrives while the run stores that it waits releases it', async () => {
    const r = await run({
      playbook: playbook(hold([])),
      drive: async ({ handle, stubs }) => {
        const held = stubs.hold(waiting('hold'), 'the wait being stored');
        await held.call;
        await handle.signal(accountEvent, {
          name: 'invoice_paid',
          data: {},
          occurredAt: new Date().toISOString(),
        });
        held.release();
      },
    });
    expect(r.effects).toEqual(['outcome paid']);
  });
});

describe('wait', () => {
  test('a wait of two weeks passes in workflow time and the next step runs after it', async () => {
    const r = await run({
      playbook: playbook([
        { id: 'first', email: { template: 'welcome' } },
        { id: 'pause', wait: '14d' },
        { id: 'second', email: { template: 'checkin' } },
      ]),
    });
    expect(r.effects).toEqual(['email welcome', 'email checkin']);
    expect(r.step('pause')).toMatchObject([{ event: 'waiting', detail: { for: '14d' } }]);
    expect(r.dayOf(r.step('second')[0])).toBeCloseTo(14, 2);
  });

  test('with a time scale, days of the playbook are seconds of the run', async () => {
    const r = await run({
      playbook: playbook([
        { id: 'call', task: { title: 'Call', due: '2d' } },
        { wait: '10d' },
        { id: 'end', outcome: 'done' },
      ]),
      timeScale: 86_400,
    });
    const created = r.calls.find((c) => c.name === 'createTask')!;
    expect(Date.parse(created.input.dueAt) - Date.parse(r.audit[0].at)).toBeGreaterThanOrEqual(2_000);
    expect(Date.parse(created.input.dueAt) - Date.parse(r.audit[0].at)).toBeLessThan(4_000);
    expect(r.dayOf(r.step('end')[0]) * 86_400).toBeCloseTo(10, 0);
  });
});

describe('branches decide on current data', () => {
  const ifRed: Step[] = [
    {
      id: 'band',
      if: 'health.band == "red"',
      then: [{ email: { template: 'rescue' } }],
      else: [{ email: { template: 'checkin' } }],
    },
  ];
  test.each<[string, StoredHealth | null, HealthView, string, string]>([
    ['red now, green when triggered', red, green, 'then', 'email rescue'],
    ['green now, red when triggered', green, red, 'else', 'email checkin'],
    ['nothing stored: the health the trigger saw', null, red, 'then', 'email rescue'],
  ])('if on health: %s', async (_, now, seen, branch, effect) => {
    const r = await run({
      playbook: playbook(ifRed),
      world: withHealth(now),
      seen: { health: seen, previous: seen },
    });
    expect(r.step('band')).toMatchObject([
      { kind: 'if', event: 'branch', detail: { branch, seen: { health: { band: (now ?? seen).band } } } },
    ]);
    expect(r.effects).toEqual([effect]);
  });

  test.each<[StoredHealth, string, string[]]>([
    [red, 'case 1', ['email rescue']],
    [yellow, 'case 2', ['email nudge']],
    [green, 'default', ['outcome healthy']],
  ])('switch on health score %o takes %s', async (health, branch, effects) => {
    const r = await run({
      playbook: playbook([
        {
          id: 'score',
          switch: {
            cases: [
              { when: 'health.score < 40', then: [{ email: { template: 'rescue' } }] },
              { when: 'health.score < 70', then: [{ email: { template: 'nudge' } }] },
            ],
            default: [{ outcome: 'healthy' }],
          },
        },
      ]),
      world: withHealth(health),
    });
    expect(r.step('score')).toMatchObject([{ kind: 'switch', detail: { branch } }]);
    expect(r.effects).toEqual(effects);
  });

  test('a condition that cannot be evaluated takes else and records why', async () => {
    const r = await run({
      playbook: playbook([
        {
          id: 'tier',
          if: 'account.attributes.tier == "gold"',
          then: [{ outcome: 'gold' }],
          else: [{ outcome: 'other' }],
        },
      ]),
    });
    expect(r.step('tier')).toMatchObject([{ detail: { branch: 'else', error: expect.any(String) } }]);
    expect(r.effects).toEqual(['outcome other']);
  });

  test('an update is stored and the next decision sees it', async () => {
    const r = await run({
      playbook: playbook([
        { id: 'set', update: { field: 'attributes.tier', value: 'gold' } },
        {
          id: 'tier',
          if: 'account.attributes.tier == "gold"',
          then: [{ outcome: 'gold' }],
          else: [{ outcome: 'other' }],
        },
      ]),
    });
    expect(r.effects).toEqual(['update attributes.tier=gold', 'outcome gold']);
    expect(r.step('set')).toMatchObject([
      { kind: 'update', event: 'updated', detail: { field: 'attributes.tier', value: 'gold' } },
    ]);
  });
});

describe('notify and outcome', () => {
  test.each<['csm' | 'webhook', string, string]>([
    ['csm', 'sent', 'maya@retain.test'],
    ['webhook', 'posted', 'hooks.retain.test'],
  ])('notify %s', async (to, event, receiver) => {
    const r = await run({ playbook: playbook([{ id: 'tell', notify: { to, message: 'Acme is red' } }]) });
    expect(r.calls.find((c) => c.name === 'notify')?.input).toMatchObject({
      stepId: 'tell',
      to,
      message: 'Acme is red',
    });
    expect(r.step('tell')).toMatchObject([{ kind: 'notify', event, detail: { to: receiver } }]);
  });

  test.each<[string, Step[], string[], string | null]>([
    [
      'outcomes are recorded in order; the last is the run’s',
      [{ outcome: 'first' }, { outcome: 'second' }],
      ['outcome first', 'outcome second'],
      'second',
    ],
    [
      'an ending outcome stops the run',
      [{ outcome: { name: 'early', end: true } }, { email: { template: 'never' } }],
      ['outcome early'],
      'early',
    ],
    ['no outcome step: no outcome', [{ email: { template: 'welcome' } }], ['email welcome'], null],
  ])('%s', async (_, steps, effects, outcome) => {
    const r = await run({ playbook: playbook(steps) });
    expect(r.effects).toEqual(effects);
    expect(r.result).toEqual(completed(outcome));
    // Recorded by the step itself: the run's end does not record it a second time.
    expect(r.ended).toMatchObject({ status: 'completed', outcome, recordOutcome: false });
    for (const c of r.calls) if (c.name === 'recordOutcome') expect(c.input.control).toBe(false);
  });
});
