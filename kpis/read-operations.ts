/**
 * Playbook effectiveness and operational figures from the database: the runs, health
 * observations and tasks written by the engine, read with a projection and turned into
 * figures by the pure code (effectiveness.ts, operations.ts).
 */
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { HealthThresholds } from '../language/health-band.js';
import { playbookEffectiveness, type PlaybookEffectiveness } from './effectiveness.js';
import { bandDistribution, tasksPerCsm, type Band, type CsmTaskFigures } from './operations.js';

export async function playbookEffectivenessFromDb(
  db: Db,
  period: { from: Date; to: Date },
): Promise<PlaybookEffectiveness[]> {
  const runs = await collections(db)
    .runs.find(
      { startedAt: { $gte: period.from, $lt: period.to } },
      { projection: { _id: 0, playbookId: 1, startedAt: 1, endedAt: 1, goalReached: 1, control: 1 } },
    )
    .toArray();
  return playbookEffectiveness(runs, period);
}

export interface Operations {
  /** Accounts per health band at `at` (or `to`). */
  healthBands: Record<Band, number>;
  /** Per CSM: open and overdue at `at` (or `to`); completed within [from, to) (0 with `at` alone). */
  tasks: CsmTaskFigures[];
}

export async function operationsFromDb(
  db: Db,
  when: { at: Date } | { from: Date; to: Date },
  thresholds: HealthThresholds,
): Promise<Operations> {
  const period = 'at' in when ? { from: when.at, to: when.at } : when;
  const points = await collections(db)
    .healthObservations.find(
      { observedAt: { $lte: period.to } },
      { projection: { _id: 0, accountId: 1, score: 1, observedAt: 1 } },
    )
    .toArray();
  const tasks = await collections(db)
    .tasks.find(
      { createdAt: { $lt: period.to } },
      {
        projection: { _id: 0, assignee: 1, status: 1, due: 1, createdAt: 1, completedAt: 1, cancelledAt: 1 },
      },
    )
    .toArray();
  return { healthBands: bandDistribution(points, period.to, thresholds), tasks: tasksPerCsm(tasks, period) };
}
