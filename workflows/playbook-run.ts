/**
 * One enrolment of one account in one playbook. Interprets the playbook snapshot it was started
 * with; ends when the steps are done (and the goal's window has passed), when the goal holds,
 * when an `outcome` step ends it, or when it is cancelled.
 */
import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { dayMs, durationMs } from '../language/durations.js';
import { checkExpression } from '../language/expressions.js';
import {
  accountEvent,
  auditQuery,
  cancelRequested,
  defaultContinueAfterEvents,
  healthChanged,
  runDurationMs,
  runIdFor,
  stateQuery,
  taskCompleted,
  type RunContinuation,
  type RunInput,
  type RunResult,
} from './contract.js';
import { activities } from './activities-proxy.js';
import { Interpreter, RunStop } from './interpreter.js';
import { RunState, auditWindow, capText } from './run-state.js';
import { watchGoal } from './goal-watch.js';

/** A control (holdout) run with a goal but no `within` observes the goal this long. */
const defaultObservationWindow = '90d';

/** Whether the goal reads account data a health signal does not carry (then it is re-read). */
function goalReadsMoreThanHealth(when: string | undefined): boolean {
  if (when === undefined) return false;
  const check = checkExpression(when);
  return !check.ok || check.variables.some((v) => v !== 'health' && v !== 'previous');
}

export async function playbookRun(input: RunInput): Promise<RunResult> {
  const info = workflowInfo();
  // The first run's id stays the chain's firstExecutionRunId across continue-as-new.
  const execution = { workflowId: info.workflowId, firstExecutionRunId: info.firstExecutionRunId };
  const runId = runIdFor(info.firstExecutionRunId);
  const now = () => new Date();
  const continued = input.continued;
  const run = new RunState(input, runId, execution, continued ? new Date(continued.startedAt) : now());
  if (continued) run.restore(continued);
  const healthRefreshes = goalReadsMoreThanHealth(input.playbook.goal?.when);

  setHandler(auditQuery, () => run.audit);
  setHandler(stateQuery, () => run.view());
  setHandler(cancelRequested, ({ reason }) => {
    run.cancelReason ??= reason || 'cancelled';
  });
  setHandler(taskCompleted, (completion) => {
    run.onTaskCompleted(completion);
    run.record(now(), completion.stepId, 'task', 'completed', {
      outcome: completion.outcome,
      note: capText(completion.note),
    });
  });
  setHandler(accountEvent, (event) => {
    run.onEvent(event);
    run.record(now(), null, 'event', 'received', { name: event.name });
  });
  setHandler(healthChanged, (change) => {
    // A goal that reads only health is decided from the signal itself, without a re-read.
    // Runs recorded before re-read after every health change; replay keeps their re-reads.
    run.onHealth(change, healthRefreshes || !patched('goal-health-from-signal'));
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
    const { from, entries } = run.unpersisted();
    if (entries.length === 0) return;
    await activities.appendAudit({ runId, ...execution, from, entries, currentStep: run.currentStep });
    run.markPersisted(from + entries.length);
  };
  /** An activity the run awaits outside its steps: no continuing as new while it is in flight. */
  const tracked = async (work: () => Promise<void>) => {
    run.inFlight += 1;
    try {
      await work();
    } finally {
      run.inFlight -= 1;
    }
  };

  if (!continued) {
    await activities.recordRunStarted({ runId, ...execution, input, startedAt: run.startedAt.toISOString() });
    run.record(now(), null, 'trigger', input.trigger.on, {
      ...input.trigger.seen,
      ...(input.trigger.event ? { event: input.trigger.event.name } : {}),
      control: input.control,
    });
  }

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

  if (continued) interpreter.lastOutcome = continued.lastOutcome;

  /**
   * Bounds the history and the audit held in memory. At a safe point (the run blocked in a
   * wait, a waitFor or its goal's window, no activity in flight), it persists the audit once
   * the window's worth is waiting, and continues as new when Temporal suggests it or the
   * history passed the run's own bound. Runs recorded before this existed replay without it.
   */
  const continueAfter = input.continueAfterEvents ?? defaultContinueAfterEvents;
  const historyFull = () => {
    const current = workflowInfo();
    return current.continueAsNewSuggested || current.historyLength > continueAfter;
  };
  // Not while the watcher is about to re-read the account either (refreshWanted).
  const safe = () =>
    run.blocked !== null && run.inFlight === 0 && !(goal && run.refreshWanted) && !finished && !halted();
  const superviseHistory = async () => {
    for (;;) {
      await condition(
        () =>
          finished ||
          halted() ||
          (safe() && (historyFull() || run.unpersisted().entries.length >= auditWindow)),
      );
      if (finished || halted()) return;
      if (!patched('continue-as-new')) return;
      if (historyFull())
        run.record(now(), run.currentStep, 'run', 'continued', {
          historyLength: workflowInfo().historyLength,
          continuations: (continued?.continuations ?? 0) + 1,
        });
      await tracked(persistAudit);
      if (!historyFull()) continue;
      // Signals received so far are part of the state carried over.
      await condition(allHandlersFinished);
      if (!safe() || !run.blocked) continue;
      continuation = run.snapshot(run.blocked, {
        windowEndsAt,
        lastOutcome: interpreter.lastOutcome,
        continuations: (continued?.continuations ?? 0) + 1,
      });
      return;
    }
  };

  const goal = run.playbook.goal;
  const window = goal ? (goal.within ?? (input.control ? defaultObservationWindow : undefined)) : undefined;
  let windowPassed = false;
  const interrupted = () => run.goalMet || run.cancelReason !== null || windowPassed;
  let finished = false;
  let stop: RunStop | null = null;
  let failure: TemporalFailure | null = null;
  /** Set once the run is to continue as new, with the state the next execution starts from. */
  let continuation: RunContinuation | null = null;
  const halted = () => interrupted() || continuation !== null;
  let windowEndsAt: number | null = continued?.windowEndsAt ?? null;

  try {
    if (!continued) {
      await interpreter.refresh();
      const atStart = run.checkGoal(now());
      if (atStart?.result)
        run.record(now(), null, 'goal', 'reached', {
          condition: run.playbook.goal?.when,
          seen: atStart.seen,
          atStart: true,
        });
      await persistAudit();
    }

    if (window) {
      // Not awaited: a timer that marks the end of the goal's window (absolute, so a continued
      // run waits only for what remains of it).
      const ms = continued ? (windowEndsAt ?? 0) - now().getTime() : runDurationMs(input, durationMs(window));
      windowEndsAt ??= now().getTime() + ms;
      if (ms > 0)
        void sleep(ms).then(() => {
          windowPassed = true;
        });
      else windowPassed = true;
    }
    // Runs started before the watcher existed replay without it (their histories have no marker).
    if (goal && !interrupted() && patched('goal-watch')) {
      void watchGoal(
        run,
        () => tracked(refreshAndCheckGoal),
        // Not woken by continuing as new: its timer is left behind rather than cancelled, so
        // the execution ends with the continue-as-new command alone.
        () => finished || interrupted(),
        runDurationMs(input, dayMs),
      );
    }

    if (!interrupted()) {
      void superviseHistory();
      const scope = new CancellationScope();
      const at = continued?.at;
      // Control runs take no action: they only observe the goal.
      const work =
        input.control || at?.kind === 'observe'
          ? Promise.resolve()
          : scope.run(() =>
              at?.kind === 'step'
                ? interpreter.resume(at, run.playbook.steps, ['steps'])
                : interpreter.runSteps(run.playbook.steps, ['steps']),
            );
      const settled = work.then(
        () => null,
        (err) => {
          if (err instanceof RunStop) return err;
          if (isCancellation(err)) return null;
          throw err;
        },
      );
      await Promise.race([settled, condition(halted)]);
      if (!continuation) {
        if (interrupted()) scope.cancel();
        stop = await settled;
        // Steps done but the goal's window is still open: keep observing the goal.
        if (!stop && window && !interrupted()) {
          run.blocked = { kind: 'observe' };
          await condition(halted);
          run.blocked = null;
        }
      }
    }
  } catch (err) {
    // A failure retrying cannot fix outside any step (e.g. the account was deleted): the run
    // ends as failed, with its record and open tasks cleaned up. Bugs (plain errors) are not
    // caught: they fail the workflow task, which Temporal retries once the code is fixed.
    if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
    failure = err;
  }

  if (continuation) {
    // The steps' timers and the watcher are left behind; the next execution starts them again
    // from the absolute deadlines in `continuation`.
    return await continueAsNew<typeof playbookRun>({ ...input, continued: continuation });
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
