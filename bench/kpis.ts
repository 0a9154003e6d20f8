/**
 * KPI timing (a measurement, not a test): N accounts and M events from a fixed-seed PRNG,
 * bulk-imported through the KPI store, then GET /v1/kpis over HTTP for one month, one month by
 * plan and one year, p50/p95 over repeated calls. Baseline, same data, same server: the same
 * figures computed with no view kept (every history read from the database per answer,
 * computeKpisFromDb). Also: the first answer after start (the view's load), and the cost of
 * live events and of the refresh that follows them.
 *
 *   npx tsx bench/kpis.ts [accounts=100000] [events=1000000] [repeats=7]
 *
 * or as scenario 4 of `npm run bench` (bench/run.ts).
 *
 * Uses MONGODB_URI when set, else starts its own server (FerretDB from .tools) and stops it.
 * `npm run bench` calls it with the server it started.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { collections, ensureIndexes } from '../lib/collections.js';
import type { AccountDoc } from '../lib/documents.js';
import { dayMs } from '../language/durations.js';
import { loadConfig } from '../lib/config.js';
import { startMongo } from '../lib/stack-mongo.js';
import { buildApp } from '../server/app.js';
import {
  computeKpisFromDb,
  importHistory,
  KpiView,
  recordAccountEvent,
  type KpiEventInput,
} from '../kpis/index.js';
import { prng } from '../lib/prng.js';
import { figure, type Figure, type Scenario } from './support.js';

const epoch = Date.UTC(2023, 0, 1);

// Roughly what a SaaS book looks like: renewals and onboarding common, churn rare.
const eventMix: Array<[string, number]> = [
  ['renewed', 0.3],
  ['onboarding_completed', 0.22],
  ['upsell', 0.2],
  ['contraction', 0.15],
  ['cross_sell', 0.1],
  ['churned', 0.03],
];

export function generateBook(accountCount: number, eventCount: number, seed = 0x5eed) {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const accounts = Array.from({ length: accountCount }, (_, i) => ({
    _id: `acc-${i}`,
    segment: pick(['high-touch', 'low-touch', 'tech-touch'] as const),
    plan: pick(['starter', 'growth', 'scale', 'enterprise']),
    mrr: 50 + Math.floor(random() * 2000),
    startedAt: new Date(epoch + Math.floor(random() * 730 * dayMs)),
  }));
  const events: KpiEventInput[] = Array.from({ length: eventCount }, (_, i) => {
    const a = pick(accounts);
    let r = random();
    const type = eventMix.find(([, p]) => (r -= p) < 0)?.[0] ?? 'renewed';
    const occurredAt = new Date(a.startedAt.getTime() + Math.floor(random() * 365 * dayMs));
    return {
      id: `ev-${i}`,
      accountId: a._id,
      type,
      occurredAt,
      ...(['upsell', 'cross_sell', 'contraction'].includes(type)
        ? { mrr: 50 + Math.floor(random() * 3000) }
        : {}),
    };
  });
  const nps = Array.from({ length: Math.floor(accountCount / 10) }, (_, i) => ({
    id: `nps-${i}`,
    accountId: pick(accounts)._id,
    score: Math.floor(random() * 11),
    respondedAt: new Date(epoch + Math.floor(random() * 730 * dayMs)),
  }));
  return { accounts, events, nps };
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
async function time(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return performance.now() - began;
}

export interface KpiFigure {
  name: string;
  p50Ms: number;
  p95Ms: number;
  baselineMs?: number;
  ratio?: number;
}

const periods = [
  [
    'one month',
    'from=2024-06-01&to=2024-07-01',
    { from: new Date(Date.UTC(2024, 5, 1)), to: new Date(Date.UTC(2024, 6, 1)) },
  ],
  [
    'one month by plan',
    'from=2024-06-01&to=2024-07-01&groupBy=plan',
    { from: new Date(Date.UTC(2024, 5, 1)), to: new Date(Date.UTC(2024, 6, 1)), groupBy: 'plan' as const },
  ],
  [
    'one year',
    'from=2024-01-01&to=2025-01-01',
    { from: new Date(Date.UTC(2024, 0, 1)), to: new Date(Date.UTC(2025, 0, 1)) },
  ],
] as const;

async function measure(
  db: Db,
  mongoUri: string,
  dbName: string,
  repeats: number,
  log: (line: string) => void,
  accounts: number,
): Promise<KpiFigure[]> {
  const loadMs = await time(() => new KpiView(db).refresh());
  const token = 'bench-admin-token-0123456789';
  const config = loadConfig({
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    MONGODB_URI: mongoUri,
    MONGODB_DB: dbName,
    SMTP_URL: 'smtp://127.0.0.1:1',
    ADMIN_TOKEN: token,
    LOG_LEVEL: 'warn',
  });
  const connection = Connection.lazy({ address: '127.0.0.1:1' }); // GET /v1/kpis never calls Temporal
  await ensureIndexes(db);
  const app = await buildApp({ config, db, temporal: new Client({ connection }) }, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const get = async (query: string) => {
    const res = await fetch(`${base}/v1/kpis?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /v1/kpis → ${res.status} ${await res.text()}`);
    return res.json();
  };
  const figures: KpiFigure[] = [];
  const report = (f: KpiFigure) => {
    figures.push(f);
    log(
      `${f.name.padEnd(46)} p50 ${f.p50Ms.toFixed(1).padStart(9)} ms  p95 ${f.p95Ms.toFixed(1).padStart(9)} ms${f.baselineMs ? `  baseline ${f.baselineMs.toFixed(0)} ms  ratio ${f.ratio!.toFixed(3)}` : ''}`,
    );
  };
  report({ name: 'view load (once per API process)', p50Ms: loadMs, p95Ms: loadMs });
  // The baseline reads every history per answer: tens of seconds at 100,000 accounts.
  const baselineRepeats = repeats > 3 && accounts < 50_000 ? 3 : 1;
  try {
    const firstMs = await time(() => get(periods[0][1])); // waits for the view's load begun at start
    report({ name: 'first answer after start (view load)', p50Ms: firstMs, p95Ms: firstMs });
    for (const [name, query, options] of periods) {
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) times.push(await time(() => get(query)));
      const baseline: number[] = [];
      for (let r = 0; r < baselineRepeats; r++)
        baseline.push(await time(() => computeKpisFromDb(db, options)));
      const figure = {
        name: `GET /v1/kpis ${name}`,
        p50Ms: percentile(times, 0.5),
        p95Ms: percentile(times, 0.95),
        baselineMs: percentile(baseline, 0.5),
      };
      report({ ...figure, ratio: figure.p50Ms / figure.baselineMs });
    }
    // Live traffic between two answers: 50 events recorded, then the answer that reads them.
    const live = 50;
    const liveMs = await time(async () => {
      for (let i = 0; i < live; i++)
        await recordAccountEvent(db, {
          accountId: `acc-${i * 7}`,
          type: 'upsell',
          occurredAt: new Date(Date.UTC(2024, 5, 15)),
          mrr: 999,
        });
    });
    report({ name: 'recordAccountEvent, per live event', p50Ms: liveMs / live, p95Ms: liveMs / live });
    const afterLive = await time(() => get(periods[0][1]));
    report({ name: `GET /v1/kpis one month after ${live} live events`, p50Ms: afterLive, p95Ms: afterLive });
  } finally {
    await app.close();
    await connection.close().catch(() => {});
  }
  return figures;
}

export async function runKpiBench(opts: {
  accounts: number;
  events: number;
  repeats: number;
  mongoUri: string;
  log?: (line: string) => void;
}): Promise<{ figures: KpiFigure[]; loadMs: number }> {
  const log = opts.log ?? console.log;
  const client = await new MongoClient(opts.mongoUri).connect();
  const dbName = `kpi_bench_${Date.now()}`;
  const db = client.db(dbName);
  try {
    const { accounts, events, nps } = generateBook(opts.accounts, opts.events);
    const docs = accounts.map((a) => ({
      ...a,
      name: a._id,
      csm: 'bench',
      contacts: [],
      lifecycle: 'adoption',
      attributes: {},
      createdAt: new Date(),
      updatedAt: new Date(),
    })) as AccountDoc[];
    const loadMs = await time(async () => {
      for (let i = 0; i < docs.length; i += 2000)
        await collections(db).accounts.insertMany(docs.slice(i, i + 2000));
      await importHistory(db, { accounts: docs, events, nps });
    });
    log(
      `${opts.accounts} accounts, ${opts.events} events, ${nps.length} NPS responses; bulk import ${(loadMs / 1000).toFixed(1)} s`,
    );
    return { figures: await measure(db, opts.mongoUri, dbName, opts.repeats, log, opts.accounts), loadMs };
  } finally {
    await db.dropDatabase().catch(() => {});
    await client.close();
  }
}

/** Scenario 4 of `npm run bench`: the KPI timing above, on the bench's database server. */
export const kpis: Scenario = {
  name: 'kpis',
  describe: 'GET /v1/kpis one month / by plan / one year over a large book vs computing with no view',
  async run({ stack, quick, log }): Promise<Figure[]> {
    const accounts = quick ? 10_000 : 100_000;
    const events = quick ? 100_000 : 1_000_000;
    const { figures, loadMs } = await runKpiBench({
      accounts,
      events,
      repeats: quick ? 3 : 7,
      mongoUri: stack.mongodbUri,
      log: (line) => log(`kpis: ${line}`),
    });
    const book = `${accounts.toLocaleString('en')} accounts, ${events.toLocaleString('en')} events`;
    const out: Figure[] = [figure('kpis', `bulk import of the book (${book})`, loadMs, 'ms')];
    for (const f of figures) {
      if (f.baselineMs !== undefined) {
        out.push(
          figure('kpis', `${f.name} p50`, f.p50Ms, 'ms', {
            name: 'no view: every history read per answer',
            value: f.baselineMs,
          }),
        );
        out.push(figure('kpis', `${f.name} p95`, f.p95Ms, 'ms'));
      } else {
        out.push(figure('kpis', f.name, f.p50Ms, 'ms'));
      }
    }
    return out;
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [accounts = 100_000, events = 1_000_000, repeats = 7] = process.argv.slice(2).map(Number);
  const server = await startMongo({ readyTimeoutMs: 60_000 });
  try {
    await runKpiBench({ accounts, events, repeats, mongoUri: server.uri });
  } finally {
    await server.stop();
  }
}
