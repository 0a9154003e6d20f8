/**
 * Goals on account data (e.g. `account.attributes.activated`) can start to hold while the run
 * is waiting, or in a control run that takes no steps at all, without the run being told. The
 * watcher re-reads the account whenever the run hears of a change (a health change, an account
 * event) and at least once a day, and re-checks the goal; with the checks at the start and
 * after every step, this is how every run — control runs included — observes its goal.
 */
import { condition, isCancellation } from '@temporalio/workflow';
import type { RunState } from './run-state.js';

/** `recheckEveryMs`: how stale account data may be before a waiting run re-checks its goal anyway (a day). */
export async function watchGoal(
  run: RunState,
  refreshAndCheck: () => Promise<void>,
  done: () => boolean,
  recheckEveryMs: number,
): Promise<void> {
  while (!done()) {
    await condition(() => done() || run.refreshWanted, recheckEveryMs);
    if (done()) return;
    run.refreshWanted = false;
    try {
      await refreshAndCheck();
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The account could not be read (e.g. deleted): the run keeps its steps and its window,
      // and the after-step checks report the same failure where it matters.
      run.record(new Date(), null, 'goal', 'check_failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      return;
    }
  }
}
