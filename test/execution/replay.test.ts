/**
 * Replay safety: every recorded history under test/histories is replayed against the current
 * workflow code. A change to the interpreter that would make runs in flight non-deterministic
 * fails here. For a deliberate change, guard it with `patched()` and keep the old histories
 * (e.g. `pre-goal-watch.*`, recorded before the goal watcher existed); then record new ones
 * with `RECORD_HISTORIES=1 npx vitest run test/execution`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { workflowBundle } from '../harness/index.js';

const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.binpb'))
  .sort();
const shipped = ['kickoff', 'onboarding', 'low-usage-rescue', 'renewal-upsell'];
const bundle = () => workflowBundle(fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)));
const load = (file: string) => temporal.api.history.v1.History.decode(readFileSync(`${historiesDir}${file}`));

describe('recorded playbook histories', () => {
  test.each(shipped)('%s has recorded histories to replay', (id) => {
    expect(files.filter((f) => f.startsWith(`${id}-`)).length).toBeGreaterThanOrEqual(1);
  });

  test.each(files)('%s replays deterministically', async (file) => {
    await expect(
      Worker.runReplayHistory({ workflowBundle: await bundle() }, load(file), file.replace(/\.binpb$/, '')),
    ).resolves.toBeUndefined();
  });

  test('a run that continued as new has its executions recorded: the first, continued ones, the last', () => {
    const chain = files.filter((f) => f.startsWith('continue-as-new.')).map(load);
    const continues = (h: ReturnType<typeof load>) =>
      h.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes !== null &&
      h.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes !== undefined;
    const startedContinued = (h: ReturnType<typeof load>) =>
      Boolean(h.events![0].workflowExecutionStartedEventAttributes!.continuedExecutionRunId);
    expect(chain.length).toBeGreaterThanOrEqual(3);
    expect(chain.filter(continues).length).toBe(chain.length - 1);
    expect(chain.filter(startedContinued).length).toBe(chain.length - 1);
    // Each replays in the test above: the run's place in the step tree, carried in the input.
    const input = JSON.parse(
      Buffer.from(
        chain.find(startedContinued)!.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0]
          .data!,
      ).toString('utf8'),
    ) as { continued?: { at: unknown } };
    expect(input.continued?.at).toBeDefined();
  });

  test('a run whose steps no longer match its history fails to replay', async () => {
    // The same history with the snapshot's first two steps swapped (task and email): the
    // workflow now asks for another activity first, which replay must refuse.
    const history = load('kickoff-goals-agreed.binpb');
    const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
    const [input] = [JSON.parse(Buffer.from(payload.data!).toString('utf8'))] as Array<{
      playbook: { steps: unknown[] };
    }>;
    const [first, second, ...rest] = input.playbook.steps;
    input.playbook.steps = [second, first, ...rest];
    payload.data = Buffer.from(JSON.stringify(input));
    await expect(
      Worker.runReplayHistory({ workflowBundle: await bundle() }, history, 'kickoff-tampered'),
    ).rejects.toThrow(/[Nn]ondetermin/);
  });
});
