/**
 * Telling live runs what they need to hear. The database knows which runs are live (their
 * documents, `status: running`), and each run's playbook version says what news it needs
 * (language/run-interests.ts): a run is signalled only when its version reads that news, and
 * once per batch. A run started but not recorded yet is not missed: its ingest stored the news
 * (the account's health) before looking, and the run reads the account after recording itself;
 * a `waitFor` only counts events from the moment it waits, which is after that record too.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import { inPool } from '../lib/pool.js';
import { needsNews } from '../language/run-interests.js';
import type { EnrolmentResult } from '../lib/documents.js';
import type { PlaybookCatalog } from './playbook-catalog.js';

export interface AccountNews<Payload> {
  accountId: string;
  /** What it is about, matched against each run's interests. */
  about: { health: true } | { event: string };
  payload: Payload;
}

/** Signals in flight at once for one batch. */
const signalConcurrency = 32;

/**
 * Signals every live run of the news' accounts that needs it, except the runs the same batch
 * just started (`enrolled`: their input carries the news). Answers, per news
 * index, the error of a signal that failed (Temporal unreachable); a run that closed meanwhile
 * is not an error.
 */
export async function tellLiveRuns<Payload>(
  deps: { db: Db; temporal: Client; catalog: PlaybookCatalog },
  signal: SignalDefinition<[Payload]>,
  news: AccountNews<Payload>[],
  enrolled: EnrolmentResult[],
): Promise<{ signalled: string[][]; failures: Map<number, Error> }> {
  const signalled = news.map((): string[] => []);
  const failures = new Map<number, Error>();
  if (news.length === 0) return { signalled, failures };
  const skip = new Set(enrolled.filter((e) => e.status === 'started').map((e) => e.workflowId));
  const live = await collections(deps.db)
    .runs.find(
      { accountId: { $in: [...new Set(news.map((n) => n.accountId))] }, status: 'running' },
      {
        projection: {
          workflowId: 1,
          firstExecutionRunId: 1,
          accountId: 1,
          playbookId: 1,
          playbookVersion: 1,
        },
      },
    )
    .toArray();
  const interests = await deps.catalog.interestsOf(live);
  const sends: { index: number; workflowId: string; firstExecutionRunId: string }[] = [];
  news.forEach((item, index) => {
    for (const run of live) {
      if (run.accountId !== item.accountId || skip.has(run.workflowId)) continue;
      const wants = interests.get(`${run.playbookId}@${run.playbookVersion}`);
      // A version the catalog cannot find is told everything: a lost signal costs more.
      if (wants && !needsNews(wants, item.about)) continue;
      sends.push({ index, workflowId: run.workflowId, firstExecutionRunId: run.firstExecutionRunId });
    }
  });
  await inPool(sends, signalConcurrency, async ({ index, workflowId, firstExecutionRunId }) => {
    try {
      // Pinned to the run: a later run of the same workflow id is not told about older news.
      await deps.temporal.workflow
        .getHandle(workflowId, undefined, { firstExecutionRunId })
        .signal(signal, news[index].payload);
      signalled[index].push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      failures.set(index, err instanceof Error ? err : new Error(String(err)));
    }
  });
  return { signalled, failures };
}
