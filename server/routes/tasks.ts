/**
 * Tasks for CSMs: list (sorted by due date), read, complete with an outcome (which moves the
 * waiting run on), snooze, reassign, comment. A CSM sees and acts on their own tasks only.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TaskDoc } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors } from '../schemas/common.js';
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
  const { engine } = opts.deps;
  const { tasks, users } = app.repositories;

  async function loadTask(principal: Principal, id: string): Promise<TaskDoc> {
    const task = await tasks.findTask(id);
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
      const { assignee, status, accountId, dueBefore } = request.query;
      const me = request.principal;
      let owner: string | undefined;
      if (me.role === 'csm') {
        if (
          assignee &&
          assignee !== 'me' &&
          assignee !== me.id &&
          assignee.toLowerCase() !== me.email.toLowerCase()
        )
          throw forbidden('A CSM can only list their own tasks.');
        owner = me.id;
      } else if (assignee === 'me') owner = me.id;
      else if (assignee) owner = (await users.findUserByIdOrEmail(assignee))?._id ?? assignee;
      const found = await tasks.listTasks(
        {
          ...(owner ? { assignee: owner } : {}),
          ...(status ? { status } : {}),
          ...(accountId ? { accountId } : {}),
          ...(dueBefore ? { dueBefore: new Date(dueBefore) } : {}),
        },
        pageRequest(request.query),
      );
      return mapPage(found, (t) => taskView(t));
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
      // The engine checks the outcome and that the task is open (422, 409).
      // The task as read here, so the engine does not read it again.
      const result = await engine.completeTask(
        task,
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
      const updated = await tasks.snoozeOpenTask(task._id, until);
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
      const user = await users.findStaffByIdOrEmail(target);
      if (!user)
        throw new ApiError(422, 'unknown_assignee', `No CSM or admin "${target}" to give the task to.`);
      const updated = await tasks.reassignOpenTask(task._id, user._id);
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
      const updated = await tasks.addTaskComment(task._id, comment);
      return reply.status(201).send(taskView(updated ?? task));
    },
  );
}
