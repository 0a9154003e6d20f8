/**
 * What becomes of a task is decided once, by inserting its `taskDecisions` document (`_id` = the
 * task's id): the CSM's completion and the run's end (goal, cancel, timeout, failure) race for
 * that insert, and the loser sees the duplicate key. An insert is the one write FerretDB decides
 * atomically under concurrency; its filtered updates read and then write the whole document, so
 * two of them can both "match" an open task.
 *
 * The task's `status` (and outcome) is the decision's projection, written by the winner after
 * it won. A writer that may have overwritten it with an older copy of the task (a snooze, a
 * reassignment, a comment on FerretDB) or that finds the two disagreeing writes it again from
 * the decision (`projectDecision`): the decision is the truth.
 */
import type { Collection, Db, UpdateFilter } from 'mongodb';
import { collections } from './collections.js';
import type { TaskDecisionDoc, TaskDoc } from './documents.js';
import { insertManyIfAbsent } from './mongo.js';

/** The task's fields as the decision makes them (what a completion or a cancellation sets). */
export function decisionUpdate(decision: TaskDecisionDoc): UpdateFilter<TaskDoc> {
  if (decision.decision === 'cancelled')
    return {
      $set: { status: 'cancelled', cancelledAt: decision.at, pendingDelivery: false },
      $unset: { outcome: '', note: '', completedAt: '', completedBy: '' },
    };
  return {
    $set: {
      status: 'completed',
      outcome: decision.outcome ?? null,
      ...(decision.note !== undefined ? { note: decision.note } : {}),
      completedAt: decision.at,
      ...(decision.by !== undefined ? { completedBy: decision.by } : {}),
    },
  };
}

/** `task` as its decision makes it, in memory. */
export function withDecision(task: TaskDoc, decision: TaskDecisionDoc): TaskDoc {
  const { $set = {}, $unset = {} } = decisionUpdate(decision) as {
    $set?: Partial<TaskDoc>;
    $unset?: Record<string, ''>;
  };
  const out: Record<string, unknown> = { ...task, ...$set };
  for (const key of Object.keys($unset)) delete out[key];
  return out as unknown as TaskDoc;
}

/**
 * Writes the decision's projection onto a task that does not show it (an older copy written
 * over it, or a winner that stopped before projecting). A completion projected here is marked
 * for delivery: whether its run was told is unknown, and telling it twice is harmless.
 */
export async function projectDecision(tasks: Collection<TaskDoc>, decision: TaskDecisionDoc): Promise<void> {
  const update = decisionUpdate(decision) as { $set: Partial<TaskDoc>; $unset?: Record<string, ''> };
  if (decision.decision === 'completed') update.$set.pendingDelivery = true;
  await tasks.updateOne({ _id: decision._id }, update);
}

/**
 * The run's end: every task of the run still open is cancelled, except those a CSM completed
 * first. Returns how many tasks this end cancelled. Idempotent: a retried end recognises the
 * decisions it inserted before (a run ends once).
 */
export async function cancelOpenTasks(db: Db, runId: string, at: Date): Promise<number> {
  const { tasks, taskDecisions } = collections(db);
  const open = await tasks.find({ runId, status: 'open' }, { projection: { _id: 1 } }).toArray();
  if (open.length === 0) return 0;
  const ids = open.map((t) => t._id);
  const won = await insertManyIfAbsent(
    taskDecisions,
    ids.map((_id) => ({ _id, runId, decision: 'cancelled' as const, at })),
  );
  const refused = ids.filter((id) => !won.has(id));
  if (refused.length > 0) {
    for (const decision of await taskDecisions.find({ _id: { $in: refused } }).toArray()) {
      if (decision.decision === 'cancelled') won.add(decision._id);
      // A CSM's completion won; its task still read open: project it (same as the completer's).
      else await projectDecision(tasks, decision);
    }
  }
  if (won.size > 0)
    await tasks.updateMany(
      { _id: { $in: [...won] } },
      decisionUpdate({ _id: '', runId, decision: 'cancelled', at }),
    );
  return won.size;
}
