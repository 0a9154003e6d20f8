/**
 * The foundation's end-to-end check: a real worker on the real Temporal dev server runs the
 * self-check workflow, whose activities write to the real MongoDB-protocol server and send
 * through nodemailer to a real SMTP server.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createSelfCheckActivities } from '../activities/self-check.js';
import { collections } from '../lib/collections.js';
import { Worker } from '@temporalio/worker';
import { createTimeSkippingEnvironment } from '../lib/stack.js';
import { selfCheck } from '../workflows/self-check.js';
import { waitAMonth } from './harness/fixtures/long-wait.workflow.js';
import { useIntegration, workflowBundle } from './harness/index.js';

// The worker's own bundle (dist/workflow-bundle.js), which serves selfCheck among the others.
const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
const it = useIntegration('wiring', { smtp: true });

describe('the wiring of worker, Temporal, MongoDB and SMTP', () => {
  test('a workflow run stores its document and delivers its email', async () => {
    const checkId = `check-${randomUUID()}`;
    const worker = await it.createWorker({
      workflowsPath,
      activities: createSelfCheckActivities({
        db: it.db,
        mailer: it.mailer,
        mailFrom: 'Retain <success@retain.test>',
      }),
    });

    const result = await worker.runUntil(
      it.client.workflow.execute(selfCheck, {
        taskQueue: it.taskQueue,
        workflowId: checkId,
        args: [{ checkId, to: 'csm@customer.test', note: 'wired' }],
      }),
    );

    const stored = await collections(it.db).selfChecks.findOne({ _id: checkId });
    expect(stored).toMatchObject({ _id: checkId, note: 'wired' });
    expect(stored?.workflowRecordedAt).toBeInstanceOf(Date);

    const mail = await it.inbox.waitFor((m) => m.header('x-retain-self-check') === checkId);
    expect(mail.subject).toBe(`Retain self-check ${checkId}`);
    expect(mail.envelopeTo).toEqual(['csm@customer.test']);
    expect(mail.envelopeFrom).toBe('success@retain.test');
    expect(mail.text).toContain(`Check: ${checkId}`);
    expect(result).toEqual({ checkId, messageId: mail.parsed.messageId });
  });
});

describe('the time-skipping test server', () => {
  test('runs a month-long wait in seconds', async () => {
    const env = await createTimeSkippingEnvironment();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'time-skipping',
        workflowBundle: await workflowBundle(
          fileURLToPath(new URL('./harness/fixtures/long-wait.workflow.ts', import.meta.url)),
        ),
      });
      const began = Date.now();
      const result = await worker.runUntil(
        env.client.workflow.execute(waitAMonth, {
          taskQueue: 'time-skipping',
          workflowId: `wait-${randomUUID()}`,
        }),
      );
      expect(result).toBe('done');
      expect(Date.now() - began).toBeLessThan(20_000);
    } finally {
      await env.teardown();
    }
  });
});
