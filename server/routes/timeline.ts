/** An account's story in one list, newest first (server/repositories/timeline.ts merges it). */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors, Params } from '../schemas/common.js';
import { TimelinePage, TimelineQuery } from '../schemas/timeline.js';

export async function timelineRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, timeline } = app.repositories;

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
      await accounts.findAccountForPrincipal(request.principal, request.params.id);
      const { before } = request.query;
      const found = await timeline.accountTimeline(request.params.id, {
        ...pageRequest(request.query),
        ...(before ? { before: new Date(before) } : {}),
      });
      return mapPage(found, (i) => ({ ...i, at: i.at.toISOString(), data: jsonData(i.data) }));
    },
  );
}

/** Dates inside `data` (a task's due date) leave as ISO strings like every other date. */
function jsonData(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}
