/**
 * What GET /v1/kpis answers from: every account's KPI history and every NPS response, held in
 * memory by each API process and brought up to date from the change journal (journal.ts)
 * before each answer. A figure for any period is then the pure computation (compute.ts) over
 * ~100 bytes per account: tens of milliseconds for 100,000 accounts, whatever the period.
 *
 * Why in memory: on FerretDB 1.24 any query but an `_id` lookup scans its whole collection, so
 * no index makes "the accounts that moved in March" cheap, and per-day rollups cannot answer
 * the figures that depend on where each account stood at `from` (churned, expansion, upsell
 * rate are over atStart accounts only). The histories themselves are small: 100,000 accounts
 * with 1,000,000 events fold into about 100,000 documents.
 *
 * Freshness: before each answer the view reads the journal entries written since its last
 * read (one `_id` lookup when nothing changed) and re-reads what they name, so an answer
 * reflects every write acknowledged before the request, by any API process. A full reload
 * happens on first use, when more than `maxIncremental` entries piled up, and every
 * `reloadEveryMs` (which also repairs a change whose journal entry a crash lost).
 */
import type { Db } from 'mongodb';
import { computeKpisOver, type KpiOptions, type KpiReport, type NpsResponse } from './compute.js';
import type { AccountHistory } from './history.js';
import { journalHead, readJournal } from './journal.js';
import { collections } from '../lib/collections.js';
import type { KpiAccountDoc, NpsDoc } from '../lib/documents.js';
import { historyOf } from './store.js';

export interface KpiViewOptions {
  reloadEveryMs?: number;
  maxIncremental?: number;
}

const npsProjection = { _id: 1, accountId: 1, score: 1, respondedAt: 1 } as const;
const startedHistory = (doc: KpiAccountDoc): AccountHistory | undefined =>
  doc.startedAt && doc.segment && doc.plan && doc.mrr0 !== undefined ? historyOf(doc) : undefined;
const npsOf = (doc: Pick<NpsDoc, 'accountId' | 'score' | 'respondedAt'>): NpsResponse => ({
  accountId: doc.accountId,
  score: doc.score,
  respondedAt: doc.respondedAt,
});

export class KpiView {
  private histories = new Map<string, AccountHistory>();
  private nps = new Map<string, NpsResponse>();
  private next = 0;
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;
  private readonly reloadEveryMs: number;
  private readonly maxIncremental: number;

  constructor(
    private readonly db: Db,
    options: KpiViewOptions = {},
  ) {
    this.reloadEveryMs = options.reloadEveryMs ?? 15 * 60_000;
    this.maxIncremental = options.maxIncremental ?? 2_000;
  }

  async report(options: KpiOptions): Promise<KpiReport> {
    await this.refresh();
    return computeKpisOver(this.histories.values(), this.nps.values(), options);
  }

  /** Brings the view up to date; concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.refreshing ??= this.update().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async update(): Promise<void> {
    if (this.next === 0 || Date.now() - this.loadedAt > this.reloadEveryMs) return this.reload();
    const { entries, next } = await readJournal(this.db, this.next, this.maxIncremental + 1);
    const accountIds = new Set<string>();
    const npsIds = new Set<string>();
    for (const e of entries) for (const id of e.ids) (e.kind === 'account' ? accountIds : npsIds).add(id);
    if (entries.length > this.maxIncremental || accountIds.size + npsIds.size > this.maxIncremental)
      return this.reload();
    const { kpiAccounts: accounts, npsResponses: nps } = collections(this.db);
    await inParallel([...accountIds], async (id) => {
      const doc = await accounts.findOne({ _id: id });
      const history = doc && startedHistory(doc);
      if (history) this.histories.set(id, history);
      else this.histories.delete(id);
    });
    await inParallel([...npsIds], async (id) => {
      const doc = await nps.findOne({ _id: id }, { projection: npsProjection });
      if (doc) this.nps.set(id, npsOf(doc));
      else this.nps.delete(id);
    });
    this.next = next;
  }

  private async reload(): Promise<void> {
    // The head is taken first: entries written during the scan are read again next time.
    const head = await journalHead(this.db);
    const { kpiAccounts: accounts, npsResponses: nps } = collections(this.db);
    const histories = new Map<string, AccountHistory>();
    for await (const doc of accounts.find({})) {
      const history = startedHistory(doc);
      if (history) histories.set(doc._id, history);
    }
    const responses = new Map<string, NpsResponse>();
    for await (const doc of nps.find({}, { projection: npsProjection })) responses.set(doc._id, npsOf(doc));
    this.histories = histories;
    this.nps = responses;
    this.next = head;
    this.loadedAt = Date.now();
  }
}

async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>, width = 32): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}
