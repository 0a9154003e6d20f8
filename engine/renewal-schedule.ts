/**
 * The Temporal Schedule that runs the renewal scan once a day. Created idempotently at
 * start-up by whichever process calls it first; the scan itself is idempotent too, so a
 * catch-up after an outage or a manual "trigger now" is harmless.
 */
import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';

export const renewalScheduleId = 'retain-renewal-scan';
/** The workflow type name registered by workflows/index.ts (workflows/renewal-scan.ts). */
export const renewalScanType = 'renewalScan';

export async function ensureRenewalSchedule(
  temporal: Client,
  opts: { taskQueue: string; hourUtc?: number; scheduleId?: string },
): Promise<'created' | 'exists'> {
  const scheduleId = opts.scheduleId ?? renewalScheduleId;
  try {
    await temporal.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: opts.hourUtc ?? 6, minute: 0 }] },
      action: {
        type: 'startWorkflow',
        workflowType: renewalScanType,
        taskQueue: opts.taskQueue,
        args: [],
        workflowId: `${scheduleId}-run`,
      },
      // One scan at a time; a missed day is caught up once, not once per missed day.
      policies: { overlap: 'SKIP', catchupWindow: '1 day' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
