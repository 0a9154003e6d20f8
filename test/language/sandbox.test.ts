import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { useIntegration, uniqueName } from '../harness/index.js';
import { sampleContext } from './fixtures.js';
import { evaluateInSandbox } from './sandbox-workflow.js';

const stack = useIntegration('language-sandbox');

it('evaluates expressions inside the Temporal workflow sandbox to plain JSON', async () => {
  const worker = await stack.createWorker({
    workflowsPath: fileURLToPath(new URL('./sandbox-workflow.ts', import.meta.url)),
    activities: {},
  });
  const result = await worker.runUntil(
    stack.client.workflow.execute(evaluateInSandbox, {
      taskQueue: stack.taskQueue,
      workflowId: uniqueName('sandbox', 'language'),
      args: [sampleContext()],
    }),
  );
  expect(result).toEqual({
    condition: true,
    doubled: [2, 4],
    health: { score: 35, band: 'red' },
    twoDays: 172_800_000,
  });
});
