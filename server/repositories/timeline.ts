/**
 * An account's story in one list, newest first: health changes, runs started and ended,
 * emails, tasks created, completed and cancelled, outcomes, NPS answers and account events.
 *
 * FerretDB has no $lookup/$unionWith, so the merge happens here: each source is read with the
 * account filter, newest first, at most `offset + limit` documents (any item of the requested
 * page is among the first `offset + limit` of its own source), then merged and sliced. Offset
 * is capped by the schema so a request stays bounded; `before` reaches older history.
 */
import type { Db, Document } from 'mongodb';
import { untypedCollection, type CollectionKey } from '../../lib/collections.js';
import type { TimelineKind } from '../schemas/timeline.js';
import { findPage, pageOf, type Page, type PageRequest } from './pagination.js';

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

async function accountTimeline(
  db: Db,
  accountId: string,
  opts: PageRequest & { before?: Date },
): Promise<Page<TimelineItem>> {
  const { limit, offset, before } = opts;
  const perSource = await Promise.all(
    sources.map(async (s) => {
      // `$exists` keeps documents that lack the instant (an open task has no completedAt) out of
      // both the page and the count, so `total` is exactly what paging through would return.
      const filter = { accountId, [s.field]: before ? { $lt: before } : { $exists: true } };
      const { items: docs, total } = await findPage(
        untypedCollection(db, s.collection),
        filter,
        { [s.field]: -1, _id: 1 },
        { limit: offset + limit, offset: 0 },
        s.projection,
      );
      const items = docs
        .filter((d) => d[s.field] instanceof Date)
        .map((d) => ({ at: d[s.field] as Date, ...s.item(d) }));
      return { items, total };
    }),
  );
  // Array.prototype.sort is stable: equal instants keep the source order, so pages never overlap.
  const merged = perSource.flatMap((p) => p.items).sort((a, b) => b.at.getTime() - a.at.getTime());
  return pageOf(
    merged.slice(offset, offset + limit),
    perSource.reduce((n, p) => n + p.total, 0),
    opts,
  );
}

export function createTimelineRepository(db: Db) {
  return {
    /** One page of an account's story, newest first; `total` counts every source. */
    accountTimeline: (accountId: string, opts: PageRequest & { before?: Date }) =>
      accountTimeline(db, accountId, opts),
  };
}

export type TimelineRepository = ReturnType<typeof createTimelineRepository>;
