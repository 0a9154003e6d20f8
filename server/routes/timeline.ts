/**
 * An account's story in one list, newest first: health changes, runs, emails, tasks, outcomes,
 * NPS and events. FerretDB has no $lookup/$unionWith, so each collection is read with the
 * account filter (at most offset+limit each, newest first) and merged here.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db, Document } from 'mongodb';
import type { AccountDoc } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { errors, page, Params } from '../schemas/common.js';
import { TimelinePage, TimelineQuery } from '../schemas/emails.js';
import { loadAccount } from './account-access.js';

type Kind = 'health' | 'run' | 'email' | 'task' | 'outcome' | 'nps' | 'event';
interface Item {
  at: Date;
  type: Kind;
  summary: string;
  data: Record<string, unknown>;
}

interface Source {
  collection: string;
  field: string;
  filter?: Document;
  item(doc: Document): Item;
}

const sources: Source[] = [
  { collection: 'healthObservations', field: 'observedAt', item: (d) => ({ at: d.observedAt, type: 'health', summary: `Health ${d.score} (${d.band}, was ${d.previousBand})`, data: { score: d.score, band: d.band, previousBand: d.previousBand } }) },
  { collection: 'runs', field: 'startedAt', item: (d) => ({ at: d.startedAt, type: 'run', summary: `Playbook ${d.playbookId} ${d.status}${d.outcome ? `: ${d.outcome}` : ''}${d.control ? ' (control group)' : ''}`, data: { runId: d._id, playbookId: d.playbookId, status: d.status, outcome: d.outcome, control: d.control } }) },
  { collection: 'emails', field: 'createdAt', item: (d) => ({ at: d.createdAt, type: 'email', summary: `Email "${d.subject}" ${d.status}`, data: { emailId: d._id, to: d.to, template: d.template, status: d.status } }) },
  { collection: 'tasks', field: 'createdAt', item: (d) => ({ at: d.createdAt, type: 'task', summary: `Task "${d.title}" ${d.status}${d.outcome ? `: ${d.outcome}` : ''}`, data: { taskId: d._id, assignee: d.assignee, status: d.status, outcome: d.outcome ?? null } }) },
  { collection: 'outcomes', field: 'recordedAt', item: (d) => ({ at: d.recordedAt, type: 'outcome', summary: `Outcome ${d.name} (${d.playbookId})`, data: { name: d.name, playbookId: d.playbookId, runId: d.runId, control: d.control } }) },
  { collection: 'npsResponses', field: 'respondedAt', item: (d) => ({ at: d.respondedAt, type: 'nps', summary: `NPS ${d.score}`, data: { score: d.score, comment: d.comment ?? null } }) },
  { collection: 'accountEvents', field: 'occurredAt', item: (d) => ({ at: d.occurredAt, type: 'event', summary: `Event ${d.type}`, data: { type: d.type, ...(d.data ?? {}) } }) },
];

export async function accountTimeline(db: Db, accountId: string, limit: number, offset: number): Promise<{ items: Item[]; total: number }> {
  const perSource = await Promise.all(
    sources.map(async (s) => {
      const filter = { accountId, ...(s.filter ?? {}) };
      const [docs, count] = await Promise.all([
        db.collection(s.collection).find(filter).sort({ [s.field]: -1, _id: 1 }).limit(offset + limit).toArray(),
        db.collection(s.collection).countDocuments(filter),
      ]);
      return { items: docs.filter((d) => d[s.field] instanceof Date).map(s.item), count };
    }),
  );
  const merged = perSource.flatMap((p) => p.items).sort((a, b) => b.at.getTime() - a.at.getTime());
  return { items: merged.slice(offset, offset + limit), total: perSource.reduce((n, p) => n + p.count, 0) };
}

export async function timelineRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts.deps;
  await db.collection('healthObservations').createIndex({ accountId: 1, observedAt: -1 });
  await db.collection('outcomes').createIndex({ accountId: 1, recordedAt: -1 });

  app.get('/accounts/:id/timeline', { config: { roles: ['admin', 'csm'] }, schema: { tags: ['accounts'], summary: "The account's story, newest first", params: Params, querystring: TimelineQuery, response: { 200: TimelinePage, ...errors(403, 404) } } }, async (request) => {
    await loadAccount(db.collection<AccountDoc>('accounts'), request.principal, request.params.id);
    const { limit = 50, offset = 0 } = request.query;
    const { items, total } = await accountTimeline(db, request.params.id, limit, offset);
    return page(items.map((i) => ({ ...i, at: i.at.toISOString() })), total, limit, offset);
  });
}
