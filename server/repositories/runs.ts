/** Runs (enrolments of an account in a playbook), read and listed newest first. */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { EnrolmentDoc, RunDoc } from '../../lib/documents.js';
import { findPage, type PageRequest } from './pagination.js';

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
