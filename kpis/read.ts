/**
 * KPIs straight from the database, with no view kept: every history and NPS response read
 * once, then the pure computation. For scripts and tests; the API keeps a KpiView instead,
 * which reads only what changed since its last answer.
 */
import type { Db } from 'mongodb';
import type { KpiOptions, KpiReport } from './compute.js';
import { KpiView } from './view.js';

export function computeKpisFromDb(db: Db, options: KpiOptions): Promise<KpiReport> {
  return new KpiView(db).report(options);
}
