/**
 * Runs are findable in Temporal: a run the engine starts carries the search attributes of
 * workflows/search-attributes.ts, and a visibility query by account or playbook finds it, on the
 * suite's dev server (registered by lib/stack-temporal.ts). The time-skipping server has them
 * too (registered by createTimeSkippingEnvironment), or it would refuse those starts.
 */
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createEngine } from '../../engine/index.js';
import { createTimeSkippingEnvironment } from '../../lib/stack.js';
import { runWorkflowId } from '../../workflows/contract.js';
import {
  RetainAccountId,
  RetainControl,
  RetainPlaybookId,
  RetainPlaybookVersion,
  RetainSegment,
  runSearchAttributes,
} from '../../workflows/search-attributes.js';
import { useIntegration } from '../harness/index.js';
import { uniqueName } from '../harness/names.js';
import { account, insertAccounts, publish, rescuePlaybook } from './fixtures.js';

const integration = useIntegration('search-attributes');

/** The ids of the workflows `query` lists, once it lists `expected` (visibility lags the start). */
async function listUntil(client: Client, query: string, expected: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.includes(expected) || Date.now() > deadline) return ids;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('search attributes', () => {
  it('a run started by the engine is found by its account and by its playbook and version', async () => {
    const { db, client, taskQueue } = integration;
    const engine = createEngine({ db, temporal: client, taskQueue });
    const accountId = uniqueName('acc', 'sa', 40);
    await insertAccounts(db, [account(accountId, { segment: 'tech-touch' })]);
    const version = await publish(db, rescuePlaybook({ audience: { segments: ['tech-touch'] } }));

    await engine.ingestHealth({ accountId, score: 80 });
    const red = await engine.ingestHealth({ accountId, score: 20 });
    expect(red.enrolments).toMatchObject([{ playbookId: 'low-usage-rescue', status: 'started' }]);
    const workflowId = runWorkflowId('low-usage-rescue', accountId);
    const handle = client.workflow.getHandle(workflowId);
    try {
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect({
        account: attributes.get(RetainAccountId),
        playbook: attributes.get(RetainPlaybookId),
        version: attributes.get(RetainPlaybookVersion),
        segment: attributes.get(RetainSegment),
        control: attributes.get(RetainControl),
      }).toEqual({
        account: accountId,
        playbook: 'low-usage-rescue',
        version,
        segment: 'tech-touch',
        control: false,
      });

      expect(await listUntil(client, `RetainAccountId="${accountId}"`, workflowId)).toEqual([workflowId]);
      const byPlaybook = await listUntil(
        client,
        `RetainPlaybookId="low-usage-rescue" AND RetainPlaybookVersion=${version} AND RetainControl=false AND RetainSegment="tech-touch" AND ExecutionStatus="Running"`,
        workflowId,
      );
      expect(byPlaybook).toContain(workflowId);
    } finally {
      await handle.terminate('test done').catch(() => {});
    }
  });

  it('the time-skipping server accepts a start that sets them', async () => {
    const env = await createTimeSkippingEnvironment();
    try {
      const handle = await env.client.workflow.start('playbookRun', {
        taskQueue: 'no-worker',
        workflowId: 'search-attributes-time-skipping',
        typedSearchAttributes: runSearchAttributes(
          { accountId: 'acc_1', playbookId: 'p', playbookVersion: 3, control: true },
          'high-touch',
        ),
      });
      const attributes = (await handle.describe()).typedSearchAttributes;
      expect([attributes.get(RetainAccountId), attributes.get(RetainPlaybookVersion)]).toEqual(['acc_1', 3]);
      await handle.terminate('test done');
    } finally {
      await env.teardown();
    }
  });
});
