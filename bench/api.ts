/**
 * Scenario 3, the API: autocannon (50 connections, in a child process) against
 * GET /v1/tasks?assignee=me (a CSM's first page of 50, with 100,000 tasks in the database) and
 * POST /v1/tasks/:id/complete, on the real app built in this process. Baseline: a bare Fastify
 * route in the same process doing the same MongoDB queries, without auth, validation or a
 * serialisation schema.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import Fastify from 'fastify';
import type { Db } from 'mongodb';
import { loadConfig } from '../lib/config.js';
import { collections, ensureIndexes } from '../lib/collections.js';
import type { TaskDoc } from '../lib/documents.js';
import { dayMs } from '../language/durations.js';
import { taskIdFor } from '../lib/ids.js';
import { runIdFor } from '../workflows/contract.js';
import { buildApp } from '../server/app.js';
import type { LoadResult, LoadSpec } from './load.js';
import { figure, percentile, root, scenarioDb, type Figure, type Scenario } from './support.js';

const run = promisify(execFile);
const csmCount = 50;

/** The spec goes in a file: 50,000 completion paths are too long for an argument list (E2BIG). */
async function load(spec: LoadSpec): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'retain-load-'));
  try {
    const file = join(dir, 'spec.json');
    await writeFile(file, JSON.stringify(spec));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'bench/load.ts'), file], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ids made as the engine makes them (runIdFor, taskIdFor), from a made-up first run uuid. */
const benchRunUuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const benchRunId = (n: number) => runIdFor(benchRunUuid(n));
const benchTaskId = (n: number) => taskIdFor(benchRunId(n), 'call');

async function seedTasks(db: Db, count: number, csms: string[]): Promise<void> {
  const now = Date.now();
  const { tasks } = collections(db);
  for (let i = 0; i < count; i += 2000) {
    const docs: TaskDoc[] = Array.from({ length: Math.min(2000, count - i) }, (_, j) => {
      const n = i + j;
      const workflowId = `run:low-usage-rescue:acct-${n}`;
      return {
        _id: benchTaskId(n),
        runId: benchRunId(n),
        workflowId,
        firstExecutionRunId: benchRunUuid(n),
        stepId: 'call',
        accountId: `acct-${n % 10_000}`,
        playbookId: 'low-usage-rescue',
        assignee: csms[n % csms.length],
        title: `Call account ${n}: usage has dropped`,
        description: 'Health dropped to red. Find the cause and agree one next step.',
        priority: 'normal',
        due: new Date(now + ((n * 7919) % 30) * dayMs),
        outcomes: [],
        status: 'open',
        comments: [],
        createdAt: new Date(now - dayMs),
      };
    });
    await tasks.insertMany(docs, { ordered: false });
  }
}

export const api: Scenario = {
  name: 'api',
  describe: 'autocannon on GET /v1/tasks?assignee=me and POST /v1/tasks/:id/complete vs a bare Fastify route',
  async run({ stack, quick, log }): Promise<Figure[]> {
    // Each completion takes a distinct open task: enough of them for the load not to run out.
    const taskCount = quick ? 20_000 : 100_000;
    // Long enough for slow list answers (FerretDB on SQLite scans the tasks) to finish many times,
    // short enough that the completions (one distinct open task each) do not run out.
    const durationS = quick ? 30 : 60;
    const { db, dbName, close } = await scenarioDb(stack, 'api');
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const adminToken = `rt_admin_bench_${Date.now().toString(36)}`;
    const config = loadConfig({
      TEMPORAL_ADDRESS: stack.temporalAddress,
      MONGODB_URI: stack.mongodbUri,
      MONGODB_DB: dbName,
      SMTP_URL: stack.smtpUrl,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000',
    });
    await ensureIndexes(db);
    const app = await buildApp({ config, db, temporal: new Client({ connection }) }, { logger: false });
    const bare = Fastify({ logger: false });
    try {
      const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      const csms: Array<{ id: string; token: string }> = [];
      for (let i = 0; i < csmCount; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/users',
          headers: { authorization: `Bearer ${adminToken}` },
          payload: { email: `api-csm-${i}@bench.test`, name: `CSM ${i}`, role: 'csm' },
        });
        const body = res.json() as { user: { id: string }; token: string };
        csms.push({ id: body.user.id, token: body.token });
      }
      const began = Date.now();
      await seedTasks(
        db,
        taskCount,
        csms.map((c) => c.id),
      );
      log(
        `api: ${taskCount} tasks for ${csmCount} CSMs inserted in ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
      const me = csms[0];
      const { tasks } = collections(db);

      // The same queries as the routes, nothing around them.
      bare.get('/tasks', async () => {
        const filter = { assignee: me.id };
        const [docs, total] = await Promise.all([
          tasks.find(filter).sort({ due: 1, _id: 1 }).limit(50).toArray(),
          tasks.countDocuments(filter),
        ]);
        return { items: docs, total };
      });
      bare.post<{ Params: { id: string } }>('/tasks/:id/complete', async (request) => {
        const task = await tasks.findOne({ _id: request.params.id });
        if (!task) return { missing: true };
        await tasks.updateOne(
          { _id: task._id, status: 'open' },
          { $set: { status: 'completed', outcome: null, completedAt: new Date(), completedBy: me.id } },
        );
        return tasks.findOne({ _id: task._id });
      });
      const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

      // One request at a time: what one CSM waits for, whatever the queueing under 50 connections.
      const single = async (url: string, init: RequestInit, count: number) => {
        const times: number[] = [];
        for (let i = 0; i < count; i++) {
          const t = performance.now();
          const res = await fetch(url, init);
          await res.arrayBuffer();
          times.push(performance.now() - t);
        }
        return percentile(
          times.sort((a, b) => a - b),
          50,
        );
      };
      const auth = { authorization: `Bearer ${me.token}` };
      const alone = {
        list: await single(`${apiUrl}/v1/tasks?assignee=me`, { headers: auth }, 5),
        listBare: await single(`${bareUrl}/tasks`, {}, 5),
      };
      log(`api: one request at a time: ${JSON.stringify(alone)}`);

      // Every completion is of a different open task (a repeat is an idempotent no-op): the API
      // completes the even tasks as an admin, the bare route the odd ones.
      const taskPath = (n: number) => `/tasks/${benchTaskId(n)}/complete`;
      const even = Array.from({ length: Math.floor(taskCount / 2) - 1 }, (_, i) => `/v1${taskPath(2 * i)}`);
      const odd = Array.from({ length: Math.floor(taskCount / 2) - 1 }, (_, i) => taskPath(2 * i + 1));
      const asAdmin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
      // One completion each way first (tasks outside the load's): the load measures work that succeeds.
      for (const url of [`${apiUrl}/v1${taskPath(taskCount - 2)}`, `${bareUrl}${taskPath(taskCount - 1)}`]) {
        const res = await fetch(url, { method: 'POST', headers: asAdmin, body: '{}' });
        if (!res.ok)
          throw new Error(`POST ${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      }
      const common = { connections: 50, durationS, headers: { authorization: `Bearer ${me.token}` } };
      const measured: Record<string, LoadResult> = {};
      for (const [name, spec] of [
        ['list bare', { ...common, url: `${bareUrl}/tasks`, method: 'GET' }],
        ['list', { ...common, url: `${apiUrl}/v1/tasks?assignee=me`, method: 'GET' }],
        [
          'complete bare',
          { ...common, url: bareUrl, method: 'POST', headers: asAdmin, body: '{}', paths: odd },
        ],
        ['complete', { ...common, url: apiUrl, method: 'POST', headers: asAdmin, body: '{}', paths: even }],
      ] as Array<[string, LoadSpec]>) {
        measured[name] = await load(spec);
        // Requests still running when the load stopped finish first: the next load starts clean.
        await single(`${bareUrl}/tasks`, {}, 1);
        log(`api: ${name}: ${JSON.stringify(measured[name])}`);
      }
      const figures: Figure[] = [
        figure('api', 'GET /v1/tasks?assignee=me, one request at a time, p50', alone.list, 'ms', {
          name: 'bare route, same query',
          value: alone.listBare,
        }),
      ];
      for (const [key, label] of [
        ['list', `GET /v1/tasks?assignee=me (${taskCount.toLocaleString('en')} tasks)`],
        ['complete', 'POST /v1/tasks/:id/complete'],
      ] as const) {
        // No request finished within the run: no latency to report (n/a), not 0 ms.
        // Neither are figures of requests that failed or repeated a completion already done.
        const valid = (r: LoadResult): LoadResult =>
          r.requests > 0 && r.non2xx === 0 && r.repeats === 0
            ? r
            : { ...r, requestsPerSecond: NaN, p50Ms: NaN, p99Ms: NaN };
        const m = valid(measured[key]);
        const b = valid(measured[`${key} bare`]);
        const describe = (r: LoadResult) =>
          `${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors${r.repeats ? `, ${r.repeats} repeats` : ''} (statuses ${JSON.stringify(r.statuses)})`;
        const note = `${describe(m)}; bare: ${describe(b)}`;
        figures.push(
          figure(
            'api',
            `${label} requests/s`,
            m.requestsPerSecond,
            '/s',
            { name: 'bare Fastify route, same query', value: b.requestsPerSecond },
            note,
          ),
          figure('api', `${label} p50`, m.p50Ms, 'ms', { name: 'bare route p50', value: b.p50Ms }),
          figure('api', `${label} p99`, m.p99Ms, 'ms', { name: 'bare route p99', value: b.p99Ms }),
        );
      }
      return figures;
    } finally {
      await bare.close();
      await app.close();
      await connection.close();
      await close();
    }
  },
};
