/**
 * Figures CS leads steer the team by: how many accounts sit in each health band at a date, and
 * per CSM how many tasks are open, overdue and completed.
 */
import type { HealthBand } from '../language/context.js';
import { healthBand, type HealthThresholds } from '../language/health-band.js';

export type Band = HealthBand;

export interface HealthPoint {
  accountId: string;
  score: number;
  observedAt: Date;
}

export interface TaskFacts {
  assignee: string;
  status: 'open' | 'completed' | 'cancelled';
  due: Date;
  createdAt: Date;
  completedAt?: Date | null;
  cancelledAt?: Date | null;
}

/** Each account counts once, in the band of its latest observation at or before `at`. */
export function bandDistribution(
  points: HealthPoint[],
  at: Date,
  thresholds: HealthThresholds,
): Record<Band, number> {
  const latest = new Map<string, HealthPoint>();
  for (const p of points) {
    if (p.observedAt > at) continue;
    const seen = latest.get(p.accountId);
    if (!seen || p.observedAt >= seen.observedAt) latest.set(p.accountId, p);
  }
  const counts: Record<Band, number> = { green: 0, yellow: 0, red: 0 };
  for (const p of latest.values()) counts[healthBand(p.score, thresholds)]++;
  return counts;
}

export interface CsmTaskFigures {
  assignee: string;
  /** Open at `to` (created before it, not completed or cancelled by then). */
  open: number;
  /** Of those, due before `to`. */
  overdue: number;
  /** Completed within [from, to). */
  completed: number;
}

export function tasksPerCsm(tasks: TaskFacts[], period: { from: Date; to: Date }): CsmTaskFigures[] {
  const byCsm = new Map<string, CsmTaskFigures>();
  for (const t of tasks) {
    const row = byCsm.get(t.assignee) ?? { assignee: t.assignee, open: 0, overdue: 0, completed: 0 };
    byCsm.set(t.assignee, row);
    const completedAt = t.completedAt ?? undefined;
    if (t.status === 'completed' && completedAt && completedAt >= period.from && completedAt < period.to)
      row.completed++;
    // Open at `to`: created before it and not closed (completed or cancelled) before it, so a
    // task closed later is counted open for a past period.
    const closedAt = t.completedAt ?? t.cancelledAt ?? undefined;
    const openAtEnd =
      t.createdAt < period.to && (closedAt === undefined ? t.status === 'open' : closedAt >= period.to);
    if (openAtEnd) {
      row.open++;
      if (t.due < period.to) row.overdue++;
    }
  }
  return [...byCsm.values()].sort((a, b) => a.assignee.localeCompare(b.assignee));
}
