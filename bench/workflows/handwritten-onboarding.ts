/**
 * The baseline of the interpreter benchmark: the shipped onboarding playbook written by hand as
 * a TypeScript workflow, calling the same activities in the same order — start record, goal
 * check at the start, after every step and once a day while waiting, the four emails, the
 * nudge flag, the lifecycle update, the end record — but keeping no audit trail and
 * interpreting nothing. What the engine costs beyond this is the price of playbooks as YAML.
 */
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../workflows/activities-proxy.js';
import { dayMs } from '../../language/durations.js';
import { runDurationMs, runIdFor, type RunInput, type RunResult } from '../../workflows/contract.js';

const a = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function handwrittenOnboarding(input: RunInput): Promise<RunResult> {
  // Compressed time, as the engine's runs (RunInput.timeScale): a calendar day of this journey.
  const day = runDurationMs(input, dayMs);
  const { workflowId, firstExecutionRunId } = workflowInfo();
  const runId = runIdFor(firstExecutionRunId);
  const execution = { workflowId, firstExecutionRunId };
  const ref = { runId, ...execution, accountId: input.accountId, playbookId: input.playbookId };
  const startedAt = new Date();
  const windowEnds = startedAt.getTime() + 30 * day;
  const runInfo = () => ({
    version: input.playbookVersion,
    startedAt: startedAt.toISOString(),
    daysSinceStart: Math.floor((Date.now() - startedAt.getTime()) / day),
  });

  const activated = async () =>
    (await a.loadCurrentAccount({ accountId: input.accountId, now: new Date().toISOString() })).account
      .attributes.activated === true;
  /** Waits, checking the goal once a day; true as soon as it holds. */
  const waitWatching = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await sleep(Math.min(day, until - Date.now()));
      if (await activated()) return true;
    }
    return false;
  };
  const email = (stepId: string, template: string, to: string) =>
    a.sendEmail({ ...ref, stepId, template, to, run: runInfo() });
  const end = async (outcome: string, goalReached: boolean): Promise<RunResult> => {
    await a.recordRunEnded({
      runId,
      ...execution,
      input,
      status: 'completed',
      outcome,
      goalReached,
      recordOutcome: true,
      endedAt: new Date().toISOString(),
    });
    return { status: 'completed', outcome, goalReached };
  };
  const reached = () => end('onboarding_completed', true);

  await a.recordRunStarted({ runId, ...execution, input, startedAt: startedAt.toISOString() });
  if (await activated()) return reached();
  await email('welcome', 'onboarding-welcome', 'primary');
  if ((await activated()) || (await waitWatching(2 * day))) return reached();
  await email('setup_guide', 'onboarding-setup-guide', 'all');
  if ((await activated()) || (await waitWatching(5 * day))) return reached();
  if (await activated()) {
    await email('advanced_tips', 'onboarding-advanced-tips', 'primary');
  } else {
    await email('nudge', 'onboarding-nudge', 'primary');
    await a.updateAccountField({
      accountId: input.accountId,
      field: 'attributes.onboardingNudged',
      value: true,
    });
  }
  if ((await activated()) || (await waitWatching(7 * day))) return reached();
  await email('check_in', 'onboarding-check-in', 'primary');
  await a.updateAccountField({ accountId: input.accountId, field: 'lifecycle', value: 'adoption' });
  if ((await activated()) || (await waitWatching(windowEnds - Date.now()))) return reached();
  return end('onboarding_stalled', false);
}
