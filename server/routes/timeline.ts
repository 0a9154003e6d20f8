/**
 * An account's story in one list, newest first: health changes, runs started and ended,
 * emails, tasks created, completed and cancelled, outcomes, NPS answers and account events.
 *
 * FerretDB has no $lookup/$unionWith, so the merge happens here: each source is read with the
 * account filter, newest first, at most `offset + limit` documents (any item of the requested
 * page is among the first `offset + limit` of its own source), then merged and sliced. Offset
 * is capped by the schema so a request stays bounded; `before` reaches older history.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db, Document } from 'mongodb';
import { collections, untypedCollection, type CollectionKey } from '../../lib/collections.js';
import type { ApiDeps } from '../app.js';
import { errors, page, Params } from '../schemas/common.js';
import { TimelinePage, TimelineQuery, type TimelineKind } from '../schemas/timeline.js';
import { loadAccount } from './account-access.js';

export interface TimelineItem {
  at: Date;
  type: TimelineKind;
  summary: string;
  data: Record<string, unknown>;
}

interface Source {
  /** Its index `{ accountId: 1, <field>: -1 }` is declared in lib/collections.ts. */
  collection: CollectionKey;
  /** The instant the item is placed at; documents without it are not part of this source. */
  field: string;
  projection?: Document;
  item(doc: Document): Omit<TimelineItem, 'at'>;
}

const outcomeOf = (o: unknown) => (o ? `: ${String(o)}` : '');

const sources: Source[] = [
  {
    collection: 'healthObservations',
    field: 'observedAt',
    item: (d) => ({
      type: 'health',
      summary: `Health ${d.score} (${d.band}, was ${d.previousBand})`,
      data: { score: d.score, band: d.band, previousBand: d.previousBand },
    }),
  },
  {
    collection: 'runs',
    field: 'startedAt',
    projection: { audit: 0, trigger: 0 },
    item: (d) => ({
      type: 'run',
      summary: `Playbook ${d.playbookId} started${d.control ? ' (control group: no action taken)' : ''}`,
      data: { change: 'started', runId: d._id, playbookId: d.playbookId, control: d.control },
    }),
  },
  {
    collection: 'runs',
    field: 'endedAt',
    projection: { audit: 0, trigger: 0 },
    item: (d) => ({
      type: 'run',
      summary: `Playbook ${d.playbookId} ${d.status}${outcomeOf(d.outcome)}`,
      data: {
        change: 'ended',
        runId: d._id,
        playbookId: d.playbookId,
        status: d.status,
        outcome: d.outcome ?? null,
        goalReached: d.goalReached ?? null,
      },
    }),
  },
  {
    collection: 'emails',
    field: 'createdAt',
    item: (d) => ({
      type: 'email',
      summary: `Email "${d.subject}" ${d.status}`,
      data: { emailId: d._id, to: d.to, template: d.template, status: d.status },
    }),
  },
  {
    collection: 'tasks',
    field: 'createdAt',
    projection: { comments: 0, description: 0 },
    item: (d) => ({
      type: 'task',
      summary: `Task "${d.title}" created for ${d.assignee}`,
      data: { change: 'created', taskId: d._id, assignee: d.assignee, due: d.due },
    }),
  },
  {
    collection: 'tasks',
    field: 'completedAt',
    projection: { comments: 0, description: 0 },
    item: (d) => ({
      type: 'task',
      summary: `Task "${d.title}" completed${outcomeOf(d.outcome)}`,
      data: {
        change: 'completed',
        taskId: d._id,
        by: d.completedBy ?? d.assignee,
        outcome: d.outcome ?? null,
        note: d.note ?? null,
      },
    }),
  },
  {
    collection: 'tasks',
    field: 'cancelledAt',
    projection: { comments: 0, description: 0 },
    item: (d) => ({
      type: 'task',
      summary: `Task "${d.title}" cancelled`,
      data: { change: 'cancelled', taskId: d._id },
    }),
  },
  {
    collection: 'outcomes',
    field: 'recordedAt',
    item: (d) => ({
      type: 'outcome',
      summary: `Outcome ${d.name} (${d.playbookId})`,
      data: { name: d.name, playbookId: d.playbookId, runId: d.runId, control: d.control },
    }),
  },
  {
    collection: 'npsResponses',
    field: 'respondedAt',
    item: (d) => ({
      type: 'nps',
      summary: `NPS ${d.score}`,
      data: { score: d.score, comment: d.comment ?? null },
    }),
  },
  {
    collection: 'accountEvents',
    field: 'occurredAt',
    item: (d) => ({ type: 'event', summary: `Event ${d.type}`, data: { type: d.type, ...(d.data ?? {}) } }),
  },
];

export async function accountTimeline(
  db: Db,
  accountId: string,
  opts: { limit: number; offset: number; before?: Date },
): Promise<{ items: TimelineItem[]; total: number }> {
  const { limit, offset, before } = opts;
  const perSource = await Promise.all(
    sources.map(async (s) => {
      // `$exists` keeps documents that lack the instant (an open task has no completedAt) out of
      // both the page and the count, so `total` is exactly what paging through would return.
      const filter = { accountId, [s.field]: before ? { $lt: before } : { $exists: true } };
      const collection = untypedCollection(db, s.collection);
      const [docs, count] = await Promise.all([
        collection
          .find(filter, s.projection ? { projection: s.projection } : {})
          .sort({ [s.field]: -1, _id: 1 })
          .limit(offset + limit)
          .toArray(),
        collection.countDocuments(filter),
      ]);
      const items = docs
        .filter((d) => d[s.field] instanceof Date)
        .map((d) => ({ at: d[s.field] as Date, ...s.item(d) }));
      return { items, count };
    }),
  );
  // Array.prototype.sort is stable: equal instants keep the source order, so pages never overlap.
  const merged = perSource.flatMap((p) => p.items).sort((a, b) => b.at.getTime() - a.at.getTime());
  return { items: merged.slice(offset, offset + limit), total: perSource.reduce((n, p) => n + p.count, 0) };
}

export async function timelineRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts.deps;

  app.get(
    '/accounts/:id/timeline',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['accounts'],
        summary: "The account's story, newest first",
        params: Params,
        querystring: TimelineQuery,
        response: { 200: TimelinePage, ...errors(403, 404) },
      },
    },
    async (request) => {
      await loadAccount(collections(db).accounts, request.principal, request.params.id);
      const { limit = 50, offset = 0, before } = request.query;
      const { items, total } = await accountTimeline(db, request.params.id, {
        limit,
        offset,
        ...(before ? { before: new Date(before) } : {}),
      });
      return page(
        items.map((i) => ({ ...i, at: i.at.toISOString(), data: jsonData(i.data) })),
        total,
        limit,
        offset,
      );
    },
  );
}

/** Dates inside `data` (a task's due date) leave as ISO strings like every other date. */
function jsonData(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}
