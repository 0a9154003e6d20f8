/**
 * What a lean run costs in activities: the account is re-read only when the last read is no
 * longer current (older than `freshReadMs`), and the audit's entries ride along with the
 * activities the run does anyway (a re-read, the run's end), stored on their own
 * (`appendAudit`) only where the run blocks, so readers see where it waits. The stored trail
 * still equals the run's own, once and in order (checked for every case by interpreter-env.ts).
 */
import { expect, test } from 'vitest';
import type { Goal, Playbook, Step } from '../../language/schema.js';
import { useInterpreter } from './interpreter-env.js';
import { red, withHealth, type Call } from './stub-activities.js';
import { freshReadMs } from '../../workflows/run-state.js';

const { run } = useInterpreter('lean');

const recovered: Goal = { when: 'health.band == "green"', outcome: 'recovered' };

function playbook(steps: Step[], goal?: Goal): Playbook {
  return {
    id: 'lean-run',
    name: 'Audit under test',
    trigger: { on: 'health.changed' },
    steps,
    ...(goal ? { goal } : {}),
  };
}

const names = (calls: Call[]) => calls.map((c) => c.name);
/** The steps whose entries a call carries along, in order. */
const carriedSteps = (call: Call) =>
  (call.name === 'loadCurrentAccount' || call.name === 'recordRunEnded'
    ? (call.input.audit?.entries ?? [])
    : []
  )
    .map((e) => e.step ?? e.kind)
    .filter((s, i, all) => all.indexOf(s) === i);

test('with a goal: no re-read after a step that followed a current one; appendAudit only where the run blocks', async () => {
  const r = await run({
    playbook: playbook(
      [
        { id: 'welcome', email: { template: 'welcome' } },
        { id: 'call', task: { title: 'Call' } },
        { id: 'pause', wait: '6h' },
        { id: 'tips', email: { template: 'tips' } },
      ],
      recovered,
    ),
    world: withHealth(red),
  });
  expect(r.result).toMatchObject({ status: 'completed' });
  expect(names(r.calls)).toEqual([
    'recordRunStarted',
    'loadCurrentAccount', // the goal at the start, carrying the trigger's entry
    'sendEmail', // then the goal is checked on that read: it is less than a second old
    'createTask',
    'appendAudit', // `pause` blocks: everything up to its `waiting` entry is stored at once
    'loadCurrentAccount', // six hours later the read is stale: re-read for the goal
    'sendEmail',
    'recordRunEnded', // carrying the rest
  ]);
  const reads = r.calls.filter((c) => c.name === 'loadCurrentAccount');
  expect(reads.map(carriedSteps)).toEqual([['trigger'], []]);
  const own = r.calls.filter((c) => c.name === 'appendAudit');
  expect(own.flatMap((c) => c.input.entries.map((e) => `${e.step} ${e.event}`))).toEqual([
    'welcome sent',
    'call created',
    'pause waiting',
  ]);
  const end = r.calls.find((c) => c.name === 'recordRunEnded')!;
  expect(carriedSteps(end)).toEqual(['tips', 'run']);
});

test('a step that took longer than a read stays current is followed by a re-read for the goal', async () => {
  const r = await run({
    playbook: playbook(
      [
        { id: 'welcome', email: { template: 'welcome' } },
        { id: 'tips', email: { template: 'tips' } },
      ],
      recovered,
    ),
    world: withHealth(red),
    drive: async ({ stubs }) => {
      const slow = stubs.hold((c) => c.name === 'sendEmail' && c.input.stepId === 'welcome', 'welcome');
      await slow.call;
      await new Promise((resolve) => setTimeout(resolve, freshReadMs + 500));
      slow.release();
    },
  });
  expect(names(r.calls)).toEqual([
    'recordRunStarted',
    'loadCurrentAccount',
    'sendEmail',
    'loadCurrentAccount', // the first read is more than a second old now
    'sendEmail',
    'recordRunEnded',
  ]);
});

test('without a goal: no re-read after steps, and the whole trail goes with the run end', async () => {
  const r = await run({
    playbook: playbook([
      { id: 'welcome', email: { template: 'welcome' } },
      { id: 'stage', update: { field: 'lifecycle', value: 'adoption' } },
      { id: 'tips', email: { template: 'tips' } },
    ]),
    world: withHealth(red),
  });
  expect(names(r.calls)).toEqual([
    'recordRunStarted',
    'loadCurrentAccount',
    'sendEmail',
    'updateAccountField',
    'sendEmail',
    'recordRunEnded',
  ]);
  const end = r.calls.at(-1)!;
  expect(carriedSteps(end)).toEqual(['welcome', 'stage', 'tips', 'run']);
});
