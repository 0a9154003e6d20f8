/**
 * Tasks for CSMs: list (sorted by due date), read, complete with an outcome (which moves the
 * waiting run on), snooze, reassign, comment. A CSM sees and acts on their own tasks only.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { TaskDoc } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { errors, page } from '../schemas/common.js';
import {
  CommentTask,
  CompleteTask,
  ReassignTask,
  SnoozeTask,
  Task,
  TaskListQuery,
  TaskPage,
  TaskParams,
} from '../schemas/tasks.js';

export function taskView(t: TaskDoc, delivery?: string) {
  return {
    id: t._id,
    runId: t.runId,
    stepId: t.stepId,
    accountId: t.accountId,
    playbookId: t.playbookId,
    assignee: t.assignee,
    title: t.title,
    description: t.description,
    priority: t.priority,
    status: t.status,
    due: t.due.toISOString(),
    outcomes: t.outcomes,
    ...(t.outcome !== undefined ? { outcome: t.outcome } : {}),
    ...(t.note !== undefined ? { note: t.note } : {}),
    ...(t.snoozedUntil ? { snoozedUntil: t.snoozedUntil.toISOString() } : {}),
    comments: (t.comments ?? []).map((c) => ({ at: c.at.toISOString(), by: c.by, text: c.text })),
    createdAt: t.createdAt.toISOString(),
    ...(t.completedAt ? { completedAt: t.completedAt.toISOString() } : {}),
    ...(delivery ? { delivery } : {}),
  };
}

export async function taskRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, engine } = opts.deps;
  const { tasks, users } = collections(db);

  async function loadTask(principal: Principal, id: string): Promise<TaskDoc> {
    const task = await tasks.findOne({ _id: id });
    if (!task) throw notFound('Task', id);
    if (principal.role === 'csm' && task.assignee !== principal.id)
      throw forbidden('This task is assigned to someone else.');
    return task;
  }

  const roles = { roles: ['admin', 'csm'] as ('admin' | 'csm')[] };

  app.get(
    '/tasks',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'List tasks, soonest due first',
        querystring: TaskListQuery,
        response: { 200: TaskPage, ...errors(403) },
      },
    },
    async (request) => {
      const { assignee, status, accountId, dueBefore, limit = 50, offset = 0 } = request.query;
      const me = request.principal;
      const filter: Filter<TaskDoc> = {};
      if (me.role === 'csm') {
        if (
          assignee &&
          assignee !== 'me' &&
          assignee !== me.id &&
          assignee.toLowerCase() !== me.email.toLowerCase()
        )
          throw forbidden('A CSM can only list their own tasks.');
        filter.assignee = me.id;
      } else if (assignee === 'me') filter.assignee = me.id;
      else if (assignee)
        filter.assignee =
          (await users.findOne({ $or: [{ _id: assignee }, { email: assignee.toLowerCase() }] }))?._id ??
          assignee;
      if (status) filter.status = status;
      if (accountId) filter.accountId = accountId;
      if (dueBefore) filter.due = { $lt: new Date(dueBefore) };
      const [docs, total] = await Promise.all([
        tasks.find(filter).sort({ due: 1, _id: 1 }).skip(offset).limit(limit).toArray(),
        tasks.countDocuments(filter),
      ]);
      return page(
        docs.map((t) => taskView(t)),
        total,
        limit,
        offset,
      );
    },
  );

  app.get(
    '/tasks/:id',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'Read a task with the outcomes it allows',
        params: TaskParams,
        response: { 200: Task, ...errors(403, 404) },
      },
    },
    async (request) => taskView(await loadTask(request.principal, request.params.id)),
  );

  app.post(
    '/tasks/:id/complete',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'Complete a task; the waiting run moves on',
        params: TaskParams,
        body: CompleteTask,
        response: { 200: Task, ...errors(403, 404, 409, 422) },
      },
    },
    async (request) => {
      const task = await loadTask(request.principal, request.params.id);
      const { outcome, note } = request.body;
      if (task.outcomes.length > 0 && (!outcome || !task.outcomes.includes(outcome))) {
        throw new ApiError(
          422,
          'outcome_not_allowed',
          `Complete "${task.title}" with one of: ${task.outcomes.join(', ')}.`,
          { allowed: task.outcomes },
        );
      }
      if (task.outcomes.length === 0 && outcome)
        throw new ApiError(422, 'outcome_not_allowed', `Task "${task.title}" takes no outcome.`, {
          allowed: [],
        });
      if (
        task.status !== 'open' &&
        !(task.status === 'completed' && (task.outcome ?? null) === (outcome ?? null))
      ) {
        throw conflict('task_not_open', `Task "${task.title}" is ${task.status} and cannot be completed.`);
      }
      const result = await engine.completeTask(
        task._id,
        { outcome: outcome ?? null, ...(note !== undefined ? { note } : {}) },
        request.principal.id,
      );
      return taskView(result.task, result.delivery);
    },
  );

  app.post(
    '/tasks/:id/snooze',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'Move the due date of an open task',
        params: TaskParams,
        body: SnoozeTask,
        response: { 200: Task, ...errors(403, 404, 409, 422) },
      },
    },
    async (request) => {
      const task = await loadTask(request.principal, request.params.id);
      if (task.status !== 'open') throw conflict('task_not_open', `Task "${task.title}" is ${task.status}.`);
      const until = new Date(request.body.until);
      if (until.getTime() <= Date.now())
        throw new ApiError(422, 'snooze_in_past', 'Snooze until a time in the future.');
      const updated = await tasks.findOneAndUpdate(
        { _id: task._id, status: 'open' },
        { $set: { due: until, snoozedUntil: until } },
        { returnDocument: 'after' },
      );
      if (!updated) throw conflict('task_not_open', `Task "${task.title}" is no longer open.`);
      return taskView(updated);
    },
  );

  app.post(
    '/tasks/:id/reassign',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'Give an open task to another user',
        params: TaskParams,
        body: ReassignTask,
        response: { 200: Task, ...errors(403, 404, 409, 422) },
      },
    },
    async (request) => {
      const task = await loadTask(request.principal, request.params.id);
      if (task.status !== 'open') throw conflict('task_not_open', `Task "${task.title}" is ${task.status}.`);
      const target = request.body.assignee;
      const user = await users.findOne({ $or: [{ _id: target }, { email: target.toLowerCase() }] });
      if (!user || user.role === 'integration')
        throw new ApiError(422, 'unknown_assignee', `No CSM or admin "${target}" to give the task to.`);
      const updated = await tasks.findOneAndUpdate(
        { _id: task._id, status: 'open' },
        { $set: { assignee: user._id } },
        { returnDocument: 'after' },
      );
      if (!updated) throw conflict('task_not_open', `Task "${task.title}" is no longer open.`);
      return taskView(updated);
    },
  );

  app.post(
    '/tasks/:id/comments',
    {
      config: roles,
      schema: {
        tags: ['tasks'],
        summary: 'Comment on a task',
        params: TaskParams,
        body: CommentTask,
        response: { 201: Task, ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      const task = await loadTask(request.principal, request.params.id);
      const comment = { at: new Date(), by: request.principal.id, text: request.body.text };
      const updated = await tasks.findOneAndUpdate(
        { _id: task._id },
        { $push: { comments: comment } },
        { returnDocument: 'after' },
      );
      return reply.status(201).send(taskView(updated ?? task));
    },
  );
}
