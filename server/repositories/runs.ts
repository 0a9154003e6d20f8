/** Runs (enrolments of an account in a playbook), read and listed newest first. */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { EnrolmentDoc, RunDoc, StoredAuditEntry } from '../../lib/documents.js';
import { findPage, pageOf, type Page, type PageRequest } from './pagination.js';

export interface RunListFilter {
  /** One account, or the accounts a CSM owns. */
  accountId?: string | string[];
  playbookId?: string;
  status?: RunDoc['status'];
}

/** The workflow writes its run document a moment after the start; until then the enrolment stands in. */
function enrolmentAsRun(e: EnrolmentDoc): RunDoc {
  return {
    _id: e._id,
    workflowId: e.workflowId,
    firstExecutionRunId: e.firstExecutionRunId,
    accountId: e.accountId,
    playbookId: e.playbookId,
    playbookVersion: e.playbookVersion,
    control: e.control,
    status: 'running',
    currentStep: null,
    outcome: null,
    goalReached: null,
    trigger: { on: e.trigger },
    audit: [],
    startedAt: e.enrolledAt,
  };
}

/** How many entries the run's trail holds (`runAudit`, or the `audit` array of older runs). */
export function auditTotal(run: RunDoc): number {
  return run.audit?.length ? run.audit.length : (run.auditLength ?? 0);
}

/**
 * Entries `[from, to)` of a run's audit trail, in order: from `runAudit` (served by its
 * `{ runId, seq }` index), or from the `audit` array a run recorded before it existed keeps.
 */
export async function auditEntries(
  db: Db,
  run: RunDoc,
  from: number,
  to: number,
): Promise<StoredAuditEntry[]> {
  if (run.audit?.length) return run.audit.slice(from, to);
  if (to <= from) return [];
  const entries = await collections(db)
    .runAudit.find(
      { runId: run._id, seq: { $gte: from, $lt: to } },
      { projection: { _id: 0, runId: 0, seq: 0 } },
    )
    .sort({ seq: 1 })
    .toArray();
  return entries;
}

export function createRunRepository(db: Db) {
  const { runs, enrolments } = collections(db);

  return {
    findRun(id: string): Promise<RunDoc | null> {
      return runs.findOne({ _id: id });
    },

    /** The run, or its enrolment standing in while the workflow has not written it yet. */
    async findRunOrEnrolment(id: string): Promise<RunDoc | null> {
      const run = await runs.findOne({ _id: id });
      if (run) return run;
      const enrolment = await enrolments.findOne({ _id: id });
      return enrolment ? enrolmentAsRun(enrolment) : null;
    },

    /** The trail's last `count` entries, oldest first, and how many it holds in all. */
    async latestAudit(run: RunDoc, count: number): Promise<{ entries: StoredAuditEntry[]; total: number }> {
      const total = auditTotal(run);
      return { entries: await auditEntries(db, run, Math.max(0, total - count), total), total };
    },

    /** A page of the trail in order: entries `offset` to `offset + limit`. */
    async auditPage(run: RunDoc, page: PageRequest): Promise<Page<StoredAuditEntry>> {
      const total = auditTotal(run);
      const to = Math.min(total, page.offset + page.limit);
      return pageOf(await auditEntries(db, run, page.offset, to), total, page);
    },

    /** Newest first. Index-served by `{ accountId, startedAt: -1 }` and, unscoped, `{ startedAt: -1 }`. */
    listRuns(filter: RunListFilter, page: PageRequest) {
      const query: Filter<RunDoc> = {};
      if (filter.playbookId) query.playbookId = filter.playbookId;
      if (filter.status) query.status = filter.status;
      if (Array.isArray(filter.accountId)) query.accountId = { $in: filter.accountId };
      else if (filter.accountId) query.accountId = filter.accountId;
      return findPage(runs, query, { startedAt: -1, _id: 1 }, page);
    },
  };
}

export type RunRepository = ReturnType<typeof createRunRepository>;
