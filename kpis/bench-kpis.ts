/**
 * KPI timing (a measurement, not a test): N accounts and M events from a fixed-seed PRNG,
 * bulk-loaded through the KPI store, then computeKpisFromDb — what GET /v1/kpis runs — for one
 * month and one year, p50/p95 over repeated calls; also the cost of recording live events.
 *
 *   npx tsx kpis/bench-kpis.ts [accounts=100000] [events=1000000] [repeats=7]
 *
 * Uses MONGODB_URI when set, else starts its own server (FerretDB from .tools) and stops it.
 */
import { MongoClient } from 'mongodb';
import type { AccountDoc } from '../lib/documents.js';
import { startMongo } from '../lib/stack-mongo.js';
import { computeKpisFromDb, ensureKpiIndexes, importKpiHistory, recordAccountEvent, recordNps } from './index.js';

const [accountCount = 100_000, eventCount = 1_000_000, repeats = 7] = process.argv.slice(2).map(Number);
const dayMs = 86_400_000;
const epoch = Date.UTC(2023, 0, 1);

// mulberry32: small, fast, and the same data on every run.
let seed = 0x5eed;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

// Roughly what a SaaS book looks like: renewals and onboarding common, churn rare.
const eventMix: Array<[string, number]> = [['renewed', 0.3], ['onboarding_completed', 0.22], ['upsell', 0.2], ['contraction', 0.15], ['cross_sell', 0.1], ['churned', 0.03]];
function eventType(): string {
  let r = random();
  for (const [type, p] of eventMix) if ((r -= p) < 0) return type;
  return 'renewed';
}

function generate() {
  const accounts = Array.from({ length: accountCount }, (_, i) => ({
    _id: `acc-${i}`,
    segment: pick(['high-touch', 'low-touch', 'tech-touch'] as const),
    plan: pick(['starter', 'growth', 'scale', 'enterprise']),
    mrr: 50 + Math.floor(random() * 2000),
    startedAt: new Date(epoch + Math.floor(random() * 730 * dayMs)),
  })) as AccountDoc[];
  const events = Array.from({ length: eventCount }, () => {
    const a = pick(accounts);
    const type = eventType();
    const occurredAt = new Date(a.startedAt.getTime() + Math.floor(random() * 365 * dayMs));
    return { accountId: a._id, type, occurredAt, ...(['upsell', 'cross_sell', 'contraction'].includes(type) ? { mrr: 50 + Math.floor(random() * 3000) } : {}) };
  });
  return { accounts, events };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await fn();
  return performance.now() - began;
}
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;

const server = await startMongo({ readyTimeoutMs: 60_000 });
const client = await new MongoClient(server.uri).connect();
const db = client.db(`kpi_bench_${Date.now()}`);
try {
  const { accounts, events } = generate();
  await ensureKpiIndexes(db);
  const loadMs = await time(() => importKpiHistory(db, accounts, events));
  for (let i = 0; i < accountCount / 10; i++) await recordNps(db, { accountId: pick(accounts)._id, score: Math.floor(random() * 11), respondedAt: new Date(epoch + Math.floor(random() * 730 * dayMs)) });
  console.log(`${server.kind}: ${accountCount} accounts, ${eventCount} events, ${accountCount / 10} NPS responses; bulk load ${(loadMs / 1000).toFixed(1)} s`);

  const periods = [
    ['one month', { from: new Date(Date.UTC(2024, 5, 1)), to: new Date(Date.UTC(2024, 6, 1)) }],
    ['one month by plan', { from: new Date(Date.UTC(2024, 5, 1)), to: new Date(Date.UTC(2024, 6, 1)), groupBy: 'plan' as const }],
    ['one year', { from: new Date(Date.UTC(2024, 0, 1)), to: new Date(Date.UTC(2025, 0, 1)) }],
  ] as const;
  for (const [name, options] of periods) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(await time(() => computeKpisFromDb(db, options)));
    console.log(`${name.padEnd(18)} p50 ${ms(percentile(times, 0.5))}  p95 ${ms(percentile(times, 0.95))}  (${repeats} calls)`);
  }

  // Live ingestion: each event is an insert, a findOneAndUpdate and a few $inc.
  const live = 200;
  const liveMs = await time(async () => {
    for (let i = 0; i < live; i++) await recordAccountEvent(db, { accountId: pick(accounts)._id, type: 'upsell', occurredAt: new Date(Date.UTC(2024, 5, 15)), mrr: 999 });
  });
  console.log(`recordAccountEvent  ${(liveMs / live).toFixed(1)} ms per event (${live} sequential)`);
} finally {
  await db.dropDatabase().catch(() => {});
  await client.close();
  await server.stop();
}
