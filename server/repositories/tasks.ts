/**
 * Tasks for CSMs: listed soonest due first, snoozed, reassigned, commented on. None of these
 * writes makes a decided task (completed, cancelled) open again.
 */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { TaskDoc } from '../../lib/documents.js';
import { projectDecision, withDecision } from '../../lib/task-decisions.js';
import { findPage, type PageRequest } from './pagination.js';

export interface TaskListFilter {
  assignee?: string;
  status?: TaskDoc['status'];
  accountId?: string;
  dueBefore?: Date;
}

export function createTaskRepository(db: Db) {
  const { tasks, taskDecisions } = collections(db);

  /**
   * `updated` (just written, open) unless the task was decided meanwhile: then it is null and
   * the task shows its decision again. On FerretDB an update writes the whole document as it
   * read it, so a snooze racing a completion or the run's end could have written the task back
   * to open; checking after the write catches every such race (lib/task-decisions.ts).
   */
  async function undecided(updated: TaskDoc): Promise<TaskDoc | null> {
    const decision = await taskDecisions.findOne({ _id: updated._id });
    if (!decision) return updated;
    await projectDecision(tasks, decision);
    return null;
  }

  return {
    findTask(id: string): Promise<TaskDoc | null> {
      return tasks.findOne({ _id: id });
    },

    /**
     * Soonest due first. Index-served by `{ assignee, status, due }` (a CSM's list, by status),
     * `{ assignee, due }` (a CSM's whole list), `{ accountId, due }` and `{ due }` (an admin's).
     */
    listTasks(filter: TaskListFilter, page: PageRequest) {
      const query: Filter<TaskDoc> = {};
      if (filter.assignee) query.assignee = filter.assignee;
      if (filter.status) query.status = filter.status;
      if (filter.accountId) query.accountId = filter.accountId;
      if (filter.dueBefore) query.due = { $lt: filter.dueBefore };
      return findPage(tasks, query, { due: 1, _id: 1 }, page);
    },

    /** Moves the due date of a task still open; null when it is no longer open. */
    async snoozeOpenTask(id: string, until: Date): Promise<TaskDoc | null> {
      const updated = await tasks.findOneAndUpdate(
        { _id: id, status: 'open' },
        { $set: { due: until, snoozedUntil: until } },
        { returnDocument: 'after' },
      );
      return updated && (await undecided(updated));
    },

    /** Gives a task still open to `assignee`; null when it is no longer open. */
    async reassignOpenTask(id: string, assignee: string): Promise<TaskDoc | null> {
      const updated = await tasks.findOneAndUpdate(
        { _id: id, status: 'open' },
        { $set: { assignee } },
        { returnDocument: 'after' },
      );
      return updated && (await undecided(updated));
    },

    async addTaskComment(id: string, comment: TaskDoc['comments'][number]): Promise<TaskDoc | null> {
      const updated = await tasks.findOneAndUpdate(
        { _id: id },
        { $push: { comments: comment } },
        { returnDocument: 'after' },
      );
      if (!updated || updated.status !== 'open') return updated;
      const decision = await taskDecisions.findOne({ _id: id });
      if (!decision) return updated;
      await projectDecision(tasks, decision);
      return withDecision(updated, decision);
    },
  };
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;
