/**
 * The daily renewal scan end to end: the Temporal Schedule starts the renewalScan workflow,
 * whose activity enrols accounts renewing soon, once per renewal however often it runs.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createRenewalScanActivities } from '../../activities/renewal-scan.js';
import { createEngine } from '../../engine/index.js';
import { account, insertAccounts, publish, steps } from './fixtures.js';
import { startEngineServers, type EngineServers } from './servers.js';
import { collections } from '../../lib/collections.js';
import { dayMs as day } from '../../language/durations.js';

let servers: EngineServers;

beforeAll(async () => {
  servers = await startEngineServers();
});
afterAll(async () => servers?.stop());

it('runs the scan from a daily Schedule and enrols each renewing account once', async () => {
  const { db, env, taskQueue } = servers;
  await publish(db, {
    id: 'renewal-upsell',
    name: 'Renewal',
    trigger: { on: 'renewal.approaching', daysBefore: 90 },
    steps: steps({ wait: '30d' }),
  });
  await insertAccounts(db, [
    account('sched-1', { renewalAt: new Date(Date.now() + 30 * day) }),
    account('sched-2', { renewalAt: new Date(Date.now() + 400 * day) }),
  ]);

  // Built once, on the worker's own connection, as worker/main.ts does.
  const engine = createEngine({ db, temporal: new Client({ connection: env.nativeConnection }), taskQueue });
  const scheduleId = `renewal-scan-${taskQueue}`;
  expect(await engine.ensureRenewalSchedule({ scheduleId })).toBe('created');
  expect(await engine.ensureRenewalSchedule({ scheduleId })).toBe('exists');
  const described = await env.client.schedule.getHandle(scheduleId).describe();
  expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 6, end: 6, step: 1 }] });

  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../../workflows/renewal-scan.ts', import.meta.url)),
    activities: createRenewalScanActivities({ engine }),
  });
  await worker.runUntil(async () => {
    // "Run now" twice, as an operator or a catch-up would: the second scan enrols nobody new.
    const schedule = env.client.schedule.getHandle(scheduleId);
    for (let i = 0; i < 2; i++) {
      await schedule.trigger();
      let runs = 0;
      for (let tries = 0; runs <= i && tries < 100; tries++) {
        runs = (await schedule.describe()).info.recentActions.length;
        if (runs <= i) await new Promise((r) => setTimeout(r, 200));
      }
      const action = (await schedule.describe()).info.recentActions[i].action;
      const summary = await env.client.workflow
        .getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId)
        .result();
      expect(summary.counts).toEqual(i === 0 ? { started: 1 } : { already_enrolled: 1 });
    }
  });
  expect(await collections(db).enrolments.countDocuments({ playbookId: 'renewal-upsell' })).toBe(1);
  await env.client.schedule.getHandle(scheduleId).delete();
});
