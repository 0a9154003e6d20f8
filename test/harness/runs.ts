/**
 * A run's document with its whole audit trail, wherever the trail is stored (`runAudit`, or
 * the `audit` array of runs recorded before it), as tests read runs.
 */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { RunDoc } from '../../lib/documents.js';
import { auditEntries, auditTotal } from '../../server/repositories/runs.js';

export async function readRun(db: Db, filter: Filter<RunDoc>): Promise<RunDoc | null> {
  const run = await collections(db).runs.findOne(filter);
  if (!run) return null;
  return { ...run, audit: await auditEntries(db, run, 0, auditTotal(run)) };
}
