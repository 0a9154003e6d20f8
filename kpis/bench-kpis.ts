/**
 * KPI timing (a measurement, not a test): N accounts and M events with a fixed seed, loaded
 * through the KPI store, then GET-/v1/kpis-equivalent computations for one month and one year,
 * p50/p95 over repeated calls. Baseline in the same run: a bare scan of the same collection.
 *
 *   npx tsx kpis/bench-kpis.ts [accounts=10000] [events=100000] [repeats=5]
 *
 * Starts its own MongoDB-protocol server (FerretDB from .tools, or MONGODB_URI).
 */
import { MongoClient } from 'mongodb';
import { startMongo } from '../lib/stack-mongo.js';
import { computeKpisFromDb, ensureKpiIndexes } from './index.js';

const [accounts = 10_000, events = 100_000, repeats = 5] = process.argv.slice(2).map(Number);
const segments = ['high-touch', 'low-touch', 'tech-touch'] as const;
const day = 86_400_000;
const epoch = Date.UTC(2023, 0, 1);

let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const began = performance.now();
  await fn();
  return performance.now() - began;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const server = await startMongo({});
const client = await new MongoClient(server.uri).connect();
const db = client.db(`kpi_bench_${Date.now()}`);
try {
  await ensureKpiIndexes(db);
  const docs = Array.from({ length: accounts }, (_, i) => ({
    _id: `a${i}`, startedAt: new Date(epoch + Math.floor(random() * 730) * day), mrr: 100 + Math.floor(random() * 900),
    segment: segments[i % 3], plan: ['starter', 'growth', 'enterprise'][i % 3], events: [] as Array<{ type: string; occurredAt: Date; mrr?: number }>,
  }));
  const types = ['upsell', 'cross_sell', 'contraction', 'renewed', 'onboarding_completed', 'churned'];
  for (let e = 0; e < events; e++) {
    const a = docs[Math.floor(random() * accounts)];
    const type = types[Math.floor(random() * (random() < 0.05 ? 6 : 5))];
    a.events.push({ type, occurredAt: new Date(a.startedAt.getTime() + Math.floor(random() * 365) * day), ...(['upsell', 'cross_sell', 'contraction'].includes(type) ? { mrr: 100 + Math.floor(random() * 1500) } : {}) });
  }
  const loadMs = await timed(async () => {
    for (let i = 0; i < docs.length; i += 1000) await db.collection('kpiAccounts').insertMany(docs.slice(i, i + 1000) as never[]);
  });
  console.log(`loaded ${accounts} accounts, ${events} events in ${(loadMs / 1000).toFixed(1)} s (${server.kind})`);
  const month = { from: new Date(Date.UTC(2024, 5, 1)), to: new Date(Date.UTC(2024, 6, 1)) };
  const year = { from: new Date(Date.UTC(2024, 0, 1)), to: new Date(Date.UTC(2025, 0, 1)) };
  const rows: string[] = [];
  const baseline: number[] = [];
  for (let r = 0; r < repeats; r++) baseline.push(await timed(() => db.collection('kpiAccounts').find({ startedAt: { $lt: month.to } }).toArray()));
  for (const [name, p] of [['one month', month], ['one year', year]] as const) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(await timed(() => computeKpisFromDb(db, p)));
    rows.push(`${name.padEnd(10)} p50 ${pct(times, 0.5).toFixed(0).padStart(6)} ms  p95 ${pct(times, 0.95).toFixed(0).padStart(6)} ms  ratio to bare scan ${(pct(times, 0.5) / pct(baseline, 0.5)).toFixed(2)}`);
  }
  console.log(`bare scan  p50 ${pct(baseline, 0.5).toFixed(0).padStart(6)} ms  (baseline: reading the same documents, no computation)`);
  for (const row of rows) console.log(row);
} finally {
  await db.dropDatabase().catch(() => {});
  await client.close();
  await server.stop();
}
