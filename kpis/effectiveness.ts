/**
 * Does a playbook work? Per playbook, over runs started in the period: how many finished, how
 * many reached the goal, the median days to reach it, and — where a holdout exists — the same
 * for the control group and the lift in percentage points.
 */
import { dayMs } from '../language/durations.js';

export interface RunFacts {
  playbookId: string;
  startedAt: Date;
  endedAt?: Date | null;
  goalReached: boolean | null;
  control: boolean;
}

export interface GroupFigures {
  runs: number;
  finished: number;
  goalReached: number;
  goalRate: number | null;
  medianDaysToGoal: number | null;
}

export interface PlaybookEffectiveness extends GroupFigures {
  playbookId: string;
  control?: GroupFigures;
  lift?: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function figures(runs: RunFacts[]): GroupFigures {
  const finished = runs.filter((r) => r.endedAt);
  const reached = finished.filter((r) => r.goalReached === true);
  return {
    runs: runs.length,
    finished: finished.length,
    goalReached: reached.length,
    goalRate: finished.length === 0 ? null : (reached.length / finished.length) * 100,
    medianDaysToGoal: median(reached.map((r) => (r.endedAt!.getTime() - r.startedAt.getTime()) / dayMs)),
  };
}

export function playbookEffectiveness(
  runs: RunFacts[],
  period: { from: Date; to: Date },
): PlaybookEffectiveness[] {
  const inPeriod = runs.filter((r) => r.startedAt >= period.from && r.startedAt < period.to);
  const ids = [...new Set(inPeriod.map((r) => r.playbookId))].sort();
  return ids.map((playbookId) => {
    const mine = inPeriod.filter((r) => r.playbookId === playbookId);
    const treated = figures(mine.filter((r) => !r.control));
    const controlRuns = mine.filter((r) => r.control);
    if (controlRuns.length === 0) return { playbookId, ...treated };
    const control = figures(controlRuns);
    const lift =
      treated.goalRate === null || control.goalRate === null ? null : treated.goalRate - control.goalRate;
    return { playbookId, ...treated, control, lift };
  });
}
