/**
 * KPIs for CS operations: the figures of docs/kpis.md for any period, segment and grouping,
 * and whether each playbook works (goal rate, lift over its holdout).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { KpiView, operationsFromDb, playbookEffectivenessFromDb } from '../../kpis/index.js';
import { errors } from '../schemas/common.js';
import { Effectiveness, KpiQuery, KpiReport, Operations, PeriodQuery } from '../schemas/kpis.js';

function period(from: string, to: string): { from: Date; to: Date } {
  const f = new Date(`${from}T00:00:00Z`);
  const t = new Date(`${to}T00:00:00Z`);
  if (Number.isNaN(f.getTime()) || Number.isNaN(t.getTime()))
    throw new ApiError(400, 'invalid_date', 'from and to must be real dates (YYYY-MM-DD).');
  if (f >= t)
    throw new ApiError(400, 'empty_period', 'The period [from, to) is empty: to must be after from.');
  return { from: f, to: t };
}

export async function kpiRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts.deps;
  // Each API process keeps the histories in memory (kpis/view.ts), loaded in the background at
  // start so that the first request does not pay for it, and refreshed from the journal.
  const view = new KpiView(db);
  app.addHook('onReady', async () => {
    view
      .refresh()
      .catch((err) => app.log.warn({ err }, 'KPI view: first load failed; the next request retries'));
  });

  app.get(
    '/kpis',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['kpis'],
        summary: 'Churn, retention, NRR, onboarding, upsell, NPS, LTV for a period',
        querystring: KpiQuery,
        response: { 200: KpiReport, ...errors(403) },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      return view.report({ ...period(from, to), ...rest });
    },
  );

  app.get(
    '/kpis/playbooks',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['kpis'],
        summary: 'Playbook effectiveness: goal rate and lift over the holdout',
        querystring: PeriodQuery,
        response: { 200: Effectiveness, ...errors(403) },
      },
    },
    async (request) => {
      const p = period(request.query.from, request.query.to);
      return {
        period: { from: p.from.toISOString(), to: p.to.toISOString() },
        playbooks: await playbookEffectivenessFromDb(db, p),
      };
    },
  );

  app.get(
    '/kpis/operations',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['kpis'],
        summary: 'Health bands at `to`; open, overdue and completed tasks per CSM',
        querystring: PeriodQuery,
        response: { 200: Operations, ...errors(403) },
      },
    },
    async (request) => {
      const p = period(request.query.from, request.query.to);
      return {
        period: { from: p.from.toISOString(), to: p.to.toISOString() },
        ...(await operationsFromDb(db, p, opts.deps.config.healthThresholds)),
      };
    },
  );
}
