/**
 * Cooldown, for a whole batch of enrolment decisions at once: the runs of the candidate
 * accounts × playbooks that ended recently enough for a cooldown to hold. A run's document
 * records its end before its workflow closes (the end record is the run's last activity), so
 * the documents answer, in one query, with no call to Temporal. Whether a run is live is not
 * asked here at all: the start's own conflict says so (engine/enrolment.ts).
 *
 * One case the documents cannot settle: a run this engine enrolled, inside the cooldown's
 * window, that has no ended document — started but not recorded yet, or terminated outside
 * Retain (an operator, the history limit) before it could record its end. For those alone the
 * engine asks Temporal, which knows when the workflow closed.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import { durationMs } from '../language/durations.js';

export interface LastRun {
  running: boolean;
  endedAt: Date | null;
}

const pairKey = (playbookId: string, accountId: string) => `${playbookId}\u0000${accountId}`;

/** The latest state of each (playbook, account) pair asked for. */
export interface RecentRuns {
  of(playbookId: string, accountId: string): LastRun;
}

export async function recentRuns(
  db: Db,
  temporal: Client,
  pairs: { playbookId: string; accountId: string; cooldown?: string }[],
  now: Date,
): Promise<RecentRuns> {
  const found = new Map<string, LastRun>();
  const of = (playbookId: string, accountId: string) =>
    found.get(pairKey(playbookId, accountId)) ?? { running: false, endedAt: null };
  const longest = Math.max(0, ...pairs.map((p) => (p.cooldown ? durationMs(p.cooldown) : 0)));
  if (pairs.length === 0 || longest === 0) return { of };
  const { runs, enrolments } = collections(db);
  const since = new Date(now.getTime() - longest);
  const scope = {
    accountId: { $in: [...new Set(pairs.map((p) => p.accountId))] },
    playbookId: { $in: [...new Set(pairs.map((p) => p.playbookId))] },
  };
  const [docs, enrolled] = await Promise.all([
    runs
      .find(
        { ...scope, endedAt: { $gte: since } },
        { projection: { accountId: 1, playbookId: 1, endedAt: 1 } },
      )
      .toArray(),
    enrolments
      .find(
        { ...scope, enrolledAt: { $gte: since } },
        { projection: { accountId: 1, playbookId: 1, workflowId: 1 } },
      )
      .toArray(),
  ]);
  const note = (playbookId: string, accountId: string, run: LastRun) => {
    const key = pairKey(playbookId, accountId);
    const seen = found.get(key) ?? { running: false, endedAt: null };
    if (run.running) seen.running = true;
    if (run.endedAt && (!seen.endedAt || run.endedAt > seen.endedAt)) seen.endedAt = run.endedAt;
    found.set(key, seen);
  };
  for (const doc of docs)
    note(doc.playbookId, doc.accountId, { running: false, endedAt: doc.endedAt ?? null });
  // Ended runs are in `docs`; a run whose document says it is running needs no look either (the
  // start decides). Only enrolments without any run document are asked about.
  const ended = new Set(docs.map((d) => d._id));
  const cooling = new Set(pairs.filter((p) => p.cooldown).map((p) => pairKey(p.playbookId, p.accountId)));
  const candidates = enrolled.filter(
    (e) => !ended.has(e._id) && cooling.has(pairKey(e.playbookId, e.accountId)),
  );
  const recorded = new Set(
    candidates.length
      ? (
          await runs
            .find({ _id: { $in: candidates.map((e) => e._id) } }, { projection: { _id: 1 } })
            .toArray()
        ).map((d) => d._id)
      : [],
  );
  const unsettled = candidates.filter((e) => !recorded.has(e._id));
  await Promise.all(
    unsettled.map(async (e) => {
      const described = await temporal.workflow
        .getHandle(e.workflowId)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return null;
          throw err;
        });
      if (!described) return;
      note(e.playbookId, e.accountId, {
        running: described.status.name === 'RUNNING',
        endedAt: described.closeTime ?? null,
      });
    }),
  );
  return { of };
}

/** When the cooldown lets the account enrol again, or null if it may enrol now. */
export function cooldownUntil(last: LastRun, cooldown: string | undefined, now: Date): Date | null {
  if (!cooldown || !last.endedAt) return null;
  const until = new Date(last.endedAt.getTime() + durationMs(cooldown));
  return until > now ? until : null;
}
