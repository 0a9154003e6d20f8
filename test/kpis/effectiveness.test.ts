/**
 * Playbook effectiveness and the operational figures, on hand-computed fixtures.
 */
import { describe, expect, test } from 'vitest';
import { bandDistribution, playbookEffectiveness, tasksPerCsm, type RunFacts } from '../../kpis/index.js';
import { defaultThresholds } from '../../language/health-band.js';

const d = (s: string) => new Date(s);
const period = { from: d('2025-01-01T00:00:00Z'), to: d('2025-02-01T00:00:00Z') };
const run = (
  startedAt: string,
  days: number | null,
  goalReached: boolean | null,
  control = false,
  playbookId = 'rescue',
): RunFacts => ({
  playbookId,
  control,
  goalReached,
  startedAt: d(startedAt),
  endedAt: days === null ? null : new Date(d(startedAt).getTime() + days * 86_400_000),
});

describe('playbook effectiveness', () => {
  test('goal rate over finished runs, median days to goal, and lift over the holdout', () => {
    const runs = [
      run('2025-01-02T00:00:00Z', 4, true),
      run('2025-01-03T00:00:00Z', 10, true),
      run('2025-01-05T00:00:00Z', 7, true),
      run('2025-01-06T00:00:00Z', 30, false),
      run('2025-01-20T00:00:00Z', null, null), // still running: not finished
      run('2025-01-04T00:00:00Z', 12, true, true),
      run('2025-01-07T00:00:00Z', 30, false, true),
      run('2025-01-08T00:00:00Z', 30, false, true),
      run('2024-12-31T23:59:59Z', 1, true), // started before the period: not counted
    ];
    const [rescue] = playbookEffectiveness(runs, period);
    // treated: 5 runs, 4 finished, 3 reached → 75 %; days to goal 4, 7, 10 → median 7
    expect(rescue).toMatchObject({
      playbookId: 'rescue',
      runs: 5,
      finished: 4,
      goalReached: 3,
      goalRate: 75,
      medianDaysToGoal: 7,
    });
    // control: 3 runs, 3 finished, 1 reached → 33.3 %; lift 75 − 33.3 = 41.6 points
    expect(rescue.control).toMatchObject({ runs: 3, finished: 3, goalReached: 1, medianDaysToGoal: 12 });
    expect(rescue.control?.goalRate).toBeCloseTo(100 / 3, 10);
    expect(rescue.lift).toBeCloseTo(75 - 100 / 3, 10);
  });

  test('no holdout: no control block; nothing finished: null rates', () => {
    const [only] = playbookEffectiveness([run('2025-01-02T00:00:00Z', null, null, false, 'kickoff')], period);
    expect(only).toEqual({
      playbookId: 'kickoff',
      runs: 1,
      finished: 0,
      goalReached: 0,
      goalRate: null,
      medianDaysToGoal: null,
    });
  });

  test('an even number of goal durations takes the mean of the middle two', () => {
    const [p] = playbookEffectiveness(
      [run('2025-01-02T00:00:00Z', 2, true), run('2025-01-02T00:00:00Z', 5, true)],
      period,
    );
    expect(p.medianDaysToGoal).toBe(3.5);
  });
});

describe('operational figures', () => {
  test('health bands at a date use the latest observation of each account at or before it', () => {
    const points = [
      { accountId: 'a', score: 80, observedAt: d('2025-01-01T00:00:00Z') },
      { accountId: 'a', score: 35, observedAt: d('2025-01-10T00:00:00Z') }, // at the date: counts → red
      { accountId: 'b', score: 55, observedAt: d('2025-01-05T00:00:00Z') }, // yellow
      { accountId: 'b', score: 90, observedAt: d('2025-01-11T00:00:00Z') }, // after the date: ignored
      { accountId: 'c', score: 70, observedAt: d('2025-01-02T00:00:00Z') }, // exactly 70 → green
      { accountId: 'd', score: 40, observedAt: d('2025-01-02T00:00:00Z') }, // exactly 40 → yellow
    ];
    expect(bandDistribution(points, d('2025-01-10T00:00:00Z'), defaultThresholds)).toEqual({
      green: 1,
      yellow: 2,
      red: 1,
    });
  });

  test('per CSM: open and overdue at the end of the period, completed within it', () => {
    const t = (
      assignee: string,
      status: 'open' | 'completed' | 'cancelled',
      due: string,
      created: string,
      completed?: string,
    ) => ({
      assignee,
      status,
      due: d(due),
      createdAt: d(created),
      completedAt: completed ? d(completed) : null,
    });
    const figures = tasksPerCsm(
      [
        t('maya', 'open', '2025-01-20T00:00:00Z', '2025-01-10T00:00:00Z'), // open, overdue
        t('maya', 'open', '2025-02-10T00:00:00Z', '2025-01-25T00:00:00Z'), // open, not yet due
        t('maya', 'completed', '2025-01-15T00:00:00Z', '2025-01-05T00:00:00Z', '2025-01-12T00:00:00Z'), // completed in period
        t('maya', 'completed', '2025-01-30T00:00:00Z', '2025-01-20T00:00:00Z', '2025-02-03T00:00:00Z'), // still open at `to`, overdue
        t('jonas', 'cancelled', '2025-01-15T00:00:00Z', '2025-01-05T00:00:00Z'),
        t('jonas', 'open', '2025-02-15T00:00:00Z', '2025-02-01T00:00:00Z'), // created at `to`: not in
      ],
      period,
    );
    expect(figures).toEqual([
      { assignee: 'jonas', open: 0, overdue: 0, completed: 0 },
      { assignee: 'maya', open: 3, overdue: 2, completed: 1 },
    ]);
  });
});
