/** Tasks for CSMs: listed soonest due first, snoozed, reassigned, commented on. */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { TaskDoc } from '../../lib/documents.js';
import { findPage, type PageRequest } from './pagination.js';

export interface TaskListFilter {
  assignee?: string;
  status?: TaskDoc['status'];
  accountId?: string;
  dueBefore?: Date;
}

export function createTaskRepository(db: Db) {
  const { tasks } = collections(db);

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
    snoozeOpenTask(id: string, until: Date): Promise<TaskDoc | null> {
      return tasks.findOneAndUpdate(
        { _id: id, status: 'open' },
        { $set: { due: until, snoozedUntil: until } },
        { returnDocument: 'after' },
      );
    },

    /** Gives a task still open to `assignee`; null when it is no longer open. */
    reassignOpenTask(id: string, assignee: string): Promise<TaskDoc | null> {
      return tasks.findOneAndUpdate(
        { _id: id, status: 'open' },
        { $set: { assignee } },
        { returnDocument: 'after' },
      );
    },

    addTaskComment(id: string, comment: TaskDoc['comments'][number]): Promise<TaskDoc | null> {
      return tasks.findOneAndUpdate(
        { _id: id },
        { $push: { comments: comment } },
        { returnDocument: 'after' },
      );
    },
  };
}

export type TaskRepository = ReturnType<typeof createTaskRepository>;
