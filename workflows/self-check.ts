/**
 * A minimal workflow whose only purpose is to prove the wiring: it records a document and
 * sends an email through the worker's activities.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SelfCheckActivities } from '../activities/self-check.js';

const { recordSelfCheck, sendSelfCheckEmail } = proxyActivities<SelfCheckActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

export interface SelfCheckInput {
  checkId: string;
  to: string;
  note: string;
}

export async function selfCheck(input: SelfCheckInput): Promise<{ checkId: string; messageId: string }> {
  await recordSelfCheck({ checkId: input.checkId, note: input.note });
  const { messageId } = await sendSelfCheckEmail({ checkId: input.checkId, to: input.to });
  return { checkId: input.checkId, messageId };
}
