/**
 * Runs (enrolments of an account in a playbook): start one by hand, list, read with its latest
 * audit entries, page through the whole trail, cancel. A CSM sees the runs of the accounts they own.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EnrolmentResult, RunDoc, StoredAuditEntry } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict, forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { mayAccess } from '../repositories/accounts.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors, PlaybookParams } from '../schemas/common.js';
import { Enrolment } from '../schemas/health.js';
import {
  AuditPage,
  AuditPageQuery,
  CancelRun,
  latestAuditEntries,
  ManualEnrolment,
  Run,
  RunListQuery,
  RunPage,
  RunParams,
} from '../schemas/runs.js';

function auditView(entry: StoredAuditEntry) {
  return {
    at: entry.at.toISOString(),
    step: entry.step,
    kind: entry.kind,
    event: entry.event,
    detail: entry.detail ?? {},
  };
}

function runView(run: RunDoc) {
  return {
    id: run._id,
    workflowId: run.workflowId,
    accountId: run.accountId,
    playbookId: run.playbookId,
    playbookVersion: run.playbookVersion,
    control: run.control,
    status: run.status,
    // `?? null`: runs are inserted with these fields null, but one stored by the upsert that
    // wrote runs before lacks them (FerretDB does not keep the nulls of a $setOnInsert).
    currentStep: run.currentStep ?? null,
    outcome: run.outcome ?? null,
    goalReached: run.goalReached ?? null,
    trigger: run.trigger ?? {},
    startedAt: run.startedAt.toISOString(),
    ...(run.endedAt ? { endedAt: run.endedAt.toISOString() } : {}),
    ...(run.cancelReason ? { cancelReason: run.cancelReason } : {}),
  };
}

/** Manual enrolment refusals, each with its own stable code. */
const refusals: Record<Exclude<EnrolmentResult['status'], 'started'>, [number, string]> = {
  already_running: [409, 'run_already_running'],
  already_enrolled: [409, 'already_enrolled'],
  cooldown: [409, 'cooldown'],
  retired: [409, 'playbook_retired'],
  not_eligible: [422, 'not_eligible'],
};

export async function runRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { engine } = opts.deps;
  const { accounts, runs, playbooks } = app.repositories;

  /** The run with its latest audit entries and the trail's length. */
  async function runWithAudit(run: RunDoc) {
    const { entries, total } = await runs.latestAudit(run, latestAuditEntries);
    return { ...runView(run), audit: entries.map(auditView), auditTotal: total };
  }

  async function loadRun(principal: Principal, id: string): Promise<RunDoc> {
    const run = await runs.findRunOrEnrolment(id);
    if (!run) throw notFound('Run', id);
    if (principal.role === 'csm') {
      const account = await accounts.findAccountOwner(run.accountId);
      if (!account || !mayAccess(principal, account))
        throw forbidden('This run belongs to an account owned by another CSM.');
    }
    return run;
  }

  app.post(
    '/playbooks/:id/runs',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['runs'],
        summary: 'Enrol an account in a playbook by hand',
        params: PlaybookParams,
        body: ManualEnrolment,
        response: { 201: Enrolment, ...errors(403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const playbookId = request.params.id;
      await accounts.findAccountForPrincipal(request.principal, request.body.accountId);
      if (!(await playbooks.playbookExists(playbookId))) throw notFound('Playbook', playbookId);
      const result = await engine.enrollManually(playbookId, request.body.accountId);
      if (result.status !== 'started') {
        const [status, code] = refusals[result.status];
        throw new ApiError(status, code, `Not enrolled: ${result.reason ?? result.status}.`, result);
      }
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/runs',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['runs'],
        summary: 'List runs',
        querystring: RunListQuery,
        response: { 200: RunPage, ...errors(403) },
      },
    },
    async (request) => {
      const { accountId, playbookId, status } = request.query;
      let scope: string | string[] | undefined;
      if (accountId) {
        await accounts.findAccountForPrincipal(request.principal, accountId);
        scope = accountId;
      } else if (request.principal.role === 'csm') {
        scope = await accounts.accountIdsOwnedBy(request.principal.id);
      }
      const found = await runs.listRuns(
        {
          ...(scope ? { accountId: scope } : {}),
          ...(playbookId ? { playbookId } : {}),
          ...(status ? { status } : {}),
        },
        pageRequest(request.query),
      );
      return mapPage(found, runView);
    },
  );

  app.get(
    '/runs/:id',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['runs'],
        summary: 'Read a run: status, current step, latest audit entries, outcome',
        params: RunParams,
        response: { 200: Run, ...errors(403, 404) },
      },
    },
    async (request) => runWithAudit(await loadRun(request.principal, request.params.id)),
  );

  app.get(
    '/runs/:id/audit',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['runs'],
        summary: "Page through a run's whole audit trail, oldest first",
        params: RunParams,
        querystring: AuditPageQuery,
        response: { 200: AuditPage, ...errors(403, 404) },
      },
    },
    async (request) => {
      const run = await loadRun(request.principal, request.params.id);
      return mapPage(await runs.auditPage(run, pageRequest(request.query)), auditView);
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['runs'],
        summary: 'Cancel a running run',
        params: RunParams,
        body: CancelRun,
        response: { 202: Run, ...errors(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const run = await loadRun(request.principal, request.params.id);
      if (run.status !== 'running')
        throw conflict('run_finished', `Run "${run._id}" has already ${run.status}.`);
      await engine.cancelRun(run._id, `${request.body.reason} (by ${request.principal.email})`);
      const after = (await runs.findRun(run._id)) ?? run;
      return reply.status(202).send(await runWithAudit(after));
    },
  );
}
