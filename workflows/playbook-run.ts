/**
 * One enrolment of one account in one playbook. Interprets the playbook snapshot it was started
 * with; ends when the steps are done (and the goal's window has passed), when the goal holds,
 * when an `outcome` step ends it, or when it is cancelled.
 */
import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  condition,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { dayMs, durationMs } from '../language/durations.js';
import {
  accountEvent,
  auditQuery,
  cancelRequested,
  healthChanged,
  runDurationMs,
  runIdFor,
  stateQuery,
  taskCompleted,
  type RunInput,
  type RunResult,
} from './contract.js';
import { activities } from './activities-proxy.js';
import { Interpreter, RunStop } from './interpreter.js';
import { RunState } from './run-state.js';
import { watchGoal } from './goal-watch.js';

/** A control (holdout) run with a goal but no `within` observes the goal this long. */
const defaultObservationWindow = '90d';

export async function playbookRun(input: RunInput): Promise<RunResult> {
  const info = workflowInfo();
  const execution = { workflowId: info.workflowId, firstExecutionRunId: info.firstExecutionRunId };
  const runId = runIdFor(info.firstExecutionRunId);
  const now = () => new Date();
  const run = new RunState(input, runId, execution, now());

  setHandler(auditQuery, () => run.audit);
  setHandler(stateQuery, () => run.view());
  setHandler(cancelRequested, ({ reason }) => {
    run.cancelReason ??= reason || 'cancelled';
  });
  setHandler(taskCompleted, (completion) => {
    run.onTaskCompleted(completion);
    run.record(now(), completion.stepId, 'task', 'completed', {
      outcome: completion.outcome,
      note: completion.note,
    });
  });
  setHandler(accountEvent, (event) => {
    run.onEvent(event);
    run.record(now(), null, 'event', 'received', { name: event.name });
  });
  setHandler(healthChanged, (change) => {
    run.onHealth(change);
    run.record(now(), null, 'health', 'changed', {
      score: change.health.score,
      band: change.health.band,
      previousBand: change.previous.band,
    });
    const goal = run.checkGoal(now());
    if (goal?.result)
      run.record(now(), null, 'goal', 'reached', { condition: run.playbook.goal?.when, seen: goal.seen });
  });

  const persistAudit = async () => {
    const entries = run.audit.slice(run.persisted);
    if (entries.length === 0) return;
    const from = run.persisted;
    await activities.appendAudit({ runId, ...execution, from, entries, currentStep: run.currentStep });
    // max, not +=: a batch that overlaps one still in flight is stored once (appendAudit).
    run.persisted = Math.max(run.persisted, from + entries.length);
  };

  await activities.recordRunStarted({ runId, ...execution, input, startedAt: run.startedAt.toISOString() });
  run.record(now(), null, 'trigger', input.trigger.on, {
    ...input.trigger.seen,
    ...(input.trigger.event ? { event: input.trigger.event.name } : {}),
    control: input.control,
  });

  const refreshAndCheckGoal = async () => {
    await interpreter.refresh();
    const goal = run.checkGoal(now());
    if (goal?.result)
      run.record(now(), null, 'goal', 'reached', { condition: run.playbook.goal?.when, seen: goal.seen });
  };
  const interpreter = new Interpreter(
    run,
    now,
    async () => {
      await persistAudit();
      if (run.cancelReason) throw new RunStop('cancel');
      if (run.playbook.goal) await refreshAndCheckGoal();
      if (run.goalMet) throw new RunStop('goal');
    },
    persistAudit,
  );

  const goal = run.playbook.goal;
  const window = goal ? (goal.within ?? (input.control ? defaultObservationWindow : undefined)) : undefined;
  let windowPassed = false;
  const interrupted = () => run.goalMet || run.cancelReason !== null || windowPassed;
  let finished = false;
  let stop: RunStop | null = null;
  let failure: TemporalFailure | null = null;

  try {
    await interpreter.refresh();
    const atStart = run.checkGoal(now());
    if (atStart?.result)
      run.record(now(), null, 'goal', 'reached', {
        condition: run.playbook.goal?.when,
        seen: atStart.seen,
        atStart: true,
      });
    await persistAudit();

    if (window) {
      // Not awaited: a timer that marks the end of the goal's window.
      void sleep(runDurationMs(input, durationMs(window))).then(() => {
        windowPassed = true;
      });
    }
    // Runs started before the watcher existed replay without it (their histories have no marker).
    if (goal && !interrupted() && patched('goal-watch')) {
      void watchGoal(run, refreshAndCheckGoal, () => finished || interrupted(), runDurationMs(input, dayMs));
    }

    if (!interrupted()) {
      const scope = new CancellationScope();
      // Control runs take no action: they only observe the goal.
      const work = input.control
        ? Promise.resolve()
        : scope.run(() => interpreter.runSteps(run.playbook.steps, ['steps']));
      const settled = work.then(
        () => null,
        (err) => {
          if (err instanceof RunStop) return err;
          if (isCancellation(err)) return null;
          throw err;
        },
      );
      await Promise.race([settled, condition(interrupted)]);
      if (interrupted()) scope.cancel();
      stop = await settled;
      // Steps done but the goal's window is still open: keep observing the goal.
      if (!stop && window && !interrupted()) await condition(interrupted);
    }
  } catch (err) {
    // A failure retrying cannot fix outside any step (e.g. the account was deleted): the run
    // ends as failed, with its record and open tasks cleaned up. Bugs (plain errors) are not
    // caught: they fail the workflow task, which Temporal retries once the code is fixed.
    if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
    failure = err;
  }

  finished = true;
  let result: RunResult;
  let cancelReason: string | undefined;
  // Outcomes of `outcome` steps are recorded by the step; the run's end records only the goal's.
  let recordOutcome = true;
  if (failure) {
    const cause = failure.cause instanceof Error ? failure.cause.message : failure.message;
    result = { status: 'failed', outcome: null, goalReached: false };
    recordOutcome = false;
    run.record(now(), run.currentStep, 'run', 'failed', { error: cause });
  } else if (run.cancelReason) {
    cancelReason = run.cancelReason;
    result = { status: 'cancelled', outcome: null, goalReached: false };
    run.record(now(), null, 'run', 'cancelled', { reason: run.cancelReason });
  } else if (run.goalMet && goal) {
    result = { status: 'completed', outcome: goal.outcome, goalReached: true };
  } else if (stop?.reason === 'end') {
    result = { status: 'completed', outcome: stop.outcome, goalReached: false };
    recordOutcome = false;
  } else if (goal && windowPassed) {
    result = { status: 'completed', outcome: goal.missedOutcome ?? 'goal_missed', goalReached: false };
    run.record(now(), null, 'goal', 'missed', { within: window });
  } else {
    result = { status: 'completed', outcome: interpreter.lastOutcome, goalReached: false };
    recordOutcome = false;
  }
  run.currentStep = null;
  run.result = result;
  run.record(now(), null, 'run', 'ended', {
    status: result.status,
    outcome: result.outcome,
    goalReached: result.goalReached,
  });
  await persistAudit();
  // Cleanup must run even though the steps' scope was cancelled.
  await CancellationScope.nonCancellable(() =>
    activities.recordRunEnded({
      runId,
      ...execution,
      input,
      ...result,
      recordOutcome,
      cancelReason,
      endedAt: now().toISOString(),
    }),
  );
  if (failure)
    throw ApplicationFailure.nonRetryable(
      `run failed: ${failure.cause instanceof Error ? failure.cause.message : failure.message}`,
      'RunFailed',
    );
  return result;
}
