/**
 * What a run's audit trail costs in activities: its entries ride along with the activities the
 * run does anyway (the account's re-read after a step, the run's end) and are stored on their
 * own (`appendAudit`) only when the run blocks, so readers see where it waits. The stored
 * trail still equals the run's own, once and in order (checked for every case by
 * interpreter-env.ts).
 */
import { expect, test } from 'vitest';
import type { Goal, Playbook, Step } from '../../language/schema.js';
import { useInterpreter } from './interpreter-env.js';
import { red, withHealth, type Call } from './stub-activities.js';

const { run } = useInterpreter('audit-rides');

const recovered: Goal = { when: 'health.band == "green"', outcome: 'recovered' };

function playbook(steps: Step[], goal?: Goal): Playbook {
  return {
    id: 'audit-rides',
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

test('with a goal: each step is its own activity and one re-read carrying its entries; appendAudit only where the run blocks', async () => {
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
    'sendEmail',
    'loadCurrentAccount', // after `welcome`, carrying its entry
    'createTask',
    'loadCurrentAccount',
    'appendAudit', // `pause` blocks: its `waiting` entry is stored at once
    'loadCurrentAccount', // after `pause`, nothing new to carry
    'sendEmail',
    'loadCurrentAccount',
    'recordRunEnded', // carrying the end's entries
  ]);
  const reads = r.calls.filter((c) => c.name === 'loadCurrentAccount');
  expect(reads.map(carriedSteps)).toEqual([['trigger'], ['welcome'], ['call'], [], ['tips']]);
  const own = r.calls.filter((c) => c.name === 'appendAudit');
  expect(own.flatMap((c) => c.input.entries.map((e) => `${e.step} ${e.event}`))).toEqual(['pause waiting']);
  const end = r.calls.find((c) => c.name === 'recordRunEnded')!;
  expect(end.name === 'recordRunEnded' && end.input.audit?.entries.at(-1)).toMatchObject({
    kind: 'run',
    event: 'ended',
  });
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
